using System.Linq.Dynamic.Core.Exceptions;
using System.Linq.Expressions;
using System.Reflection;
using RulesEngine.ExpressionBuilders;
using RulesEngine.Models;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Sandbox;

/// <summary>The outcome of checking one expression: a boolean expression tree over the facts parameter, or why not.</summary>
/// <param name="Body">The checked tree, or null when the expression is refused.</param>
/// <param name="Error">Why the expression is refused.</param>
/// <param name="Offset">0-based offset in the expression text the error refers to.</param>
/// <param name="IsSandboxViolation">Whether the expression parsed but uses something outside the sandbox.</param>
internal sealed record SandboxResult(Expression? Body, string? Error, int Offset, bool IsSandboxViolation);

/// <summary>
/// Parses a rule expression with RulesEngine's public <see cref="RuleExpressionParser"/> (System.Linq.Dynamic.Core)
/// and walks the resulting tree, allowing only: reads of fact properties of the facts parameter, literals,
/// logical and equality operators, conditionals, conversions between primitive and fact types, and static
/// methods of <see cref="RuleFunctions"/>. RulesEngine's own defaults let expressions call methods of input
/// objects and reach reflection (GetType().Assembly), so nothing is trusted to the parser's settings alone.
/// Fact names resolve case-insensitively (so <c>kind</c> reads <see cref="ChangeFacts.Kind"/>) and string
/// literals compared with a fact convert to its enum (<c>kind == "deleted"</c>), after <see cref="ExpressionLiterals"/>
/// has checked that each is exactly one of the fact's values. Nothing is ever evaluated here.
/// </summary>
internal static partial class ExpressionSandbox
{
    /// <summary>Longest expression accepted, in characters.</summary>
    public const int MaxLength = 1000;

    /// <summary>Deepest parenthesis nesting accepted (the parser is recursive; this bounds its stack).</summary>
    public const int MaxNesting = 16;

    /// <summary>Deepest expression tree accepted.</summary>
    public const int MaxTreeDepth = 256;

    private static readonly FrozenFactProperties Facts = new();

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, Verdict> Verdicts = new();

    // One parser for the process: Parse builds a fresh Dynamic LINQ parser per call and is thread-safe, while each
    // RuleExpressionParser constructor replaces RulesEngine's static compile cache.
    private static readonly RuleExpressionParser Parser = new(new ReSettings
    {
        CustomTypes = [typeof(RuleFunctions)],
        AutoRegisterInputType = false,
        IsExpressionCaseSensitive = false,
    });

    /// <summary>
    /// Checks <paramref name="text"/>, reusing the verdict on the same string object: the loader checks each
    /// expression and the compiler then needs its tree, so one parse serves both (rebound to the compiler's facts
    /// parameter). Keyed weakly by the string instance, so nothing outlives the rule set that holds the text.
    /// </summary>
    public static SandboxResult Check(string text, ParameterExpression facts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(facts);
        if (Verdicts.TryGetValue(text, out var verdict))
        {
            return verdict.Result.Body is null || verdict.Facts == facts
                ? verdict.Result
                : verdict.Result with { Body = new Rebind(verdict.Facts, facts).Visit(verdict.Result.Body) };
        }

        var result = CheckUncached(text, facts);
        Verdicts.AddOrUpdate(text, new Verdict(result, facts));
        return result;
    }

    private static SandboxResult CheckUncached(string text, ParameterExpression facts)
    {
        if (text.Length > MaxLength)
        {
            return Refuse($"the expression is longer than {MaxLength} characters", 0, sandbox: false);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return Refuse("the expression is empty", 0, sandbox: false);
        }

        var (depth, at) = MaxParenDepth(text);
        if (depth > MaxNesting)
        {
            return Refuse($"the expression nests parentheses deeper than {MaxNesting} levels", at, sandbox: false);
        }

        // A literal that is not exactly a value of its fact is an error, but the sandbox's verdict comes first; a
        // parse failure caused by such a literal is reported as the literal's (with the fact's values).
        var literal = ExpressionLiterals.Check(text);
        Expression body;
        try
        {
            body = Parser.Parse(text, [facts], typeof(bool));
        }
        catch (ParseException e) when (UnavailableType().Match(e.Message) is { Success: true } m)
        {
            // Dynamic LINQ only resolves a few predefined types; anything else (System.IO.File, Environment, ...) is
            // outside the sandbox whether or not the parser happens to know it.
            return Refuse($"type '{m.Groups[1].Value}' is not available; only facts and RuleFunctions.* may be used", Math.Clamp(e.Position, 0, text.Length), sandbox: true);
        }
        catch (ParseException e)
        {
            return literal is { } bad
                ? Refuse(bad.Message, bad.Offset, sandbox: false)
                : Refuse(Improve(e.Message), Math.Clamp(e.Position, 0, text.Length), sandbox: false);
        }
#pragma warning disable CA1031 // Dynamic LINQ throws assorted exceptions on odd input; each is a refusal, never a crash.
        catch (Exception)
#pragma warning restore CA1031
        {
            return literal is { } bad
                ? Refuse(bad.Message, bad.Offset, sandbox: false)
                : Refuse("the expression does not parse", 0, sandbox: false);
        }

        if (body.Type != typeof(bool))
        {
            return Refuse($"the expression must be boolean, not {body.Type.Name}", 0, sandbox: false);
        }

        var walker = new Walker(facts);
        var violation = walker.Visit(body, 0);
        if (violation is not null)
        {
            if (!violation.Value.Sandbox && literal is { } cause)
            {
                return Refuse(cause.Message, cause.Offset, sandbox: false);
            }

            var offset = violation.Value.Token is { Length: > 0 } token ? Math.Max(0, text.IndexOf(token, StringComparison.OrdinalIgnoreCase)) : 0;
            return Refuse(violation.Value.Message, offset, sandbox: violation.Value.Sandbox);
        }

        if (literal is { } wrong)
        {
            return Refuse(wrong.Message, wrong.Offset, sandbox: false);
        }

        return new SandboxResult(body, null, 0, false);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Type '([^']+)' not found", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UnavailableType();

    private static SandboxResult Refuse(string message, int offset, bool sandbox) => new(null, message, offset, sandbox);

    private static (int Depth, int At) MaxParenDepth(string text)
    {
        int depth = 0, max = 0, at = 0;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '(' or '[' or '{':
                    if (++depth > max)
                    {
                        max = depth;
                        at = i;
                    }

                    break;
                case ')' or ']' or '}':
                    depth--;
                    break;
                default:
                    break;
            }
        }

        return (max, at);
    }

    private static string Improve(string message)
    {
        // "No property or field 'rol' exists in type 'ChangeFacts'" → name the fact and suggest the closest.
        const string prefix = "No property or field '";
        if (message.StartsWith(prefix, StringComparison.Ordinal))
        {
            var end = message.IndexOf('\'', prefix.Length);
            if (end > prefix.Length)
            {
                var name = message[prefix.Length..end];
                return Language.FactNames.UnknownFactMessage(name);
            }
        }

        return message == "Expression of type 'Boolean' expected" ? "the expression must be boolean (true or false)" : message;
    }

    /// <summary>Why a tree is refused; <paramref name="Sandbox"/> is false for a value error rather than a use of something outside the sandbox.</summary>
    private readonly record struct Violation(string Message, string? Token, bool Sandbox = true);

    /// <summary>A checked expression and the facts parameter its tree reads.</summary>
    private sealed record Verdict(SandboxResult Result, ParameterExpression Facts);

    /// <summary>Points a checked tree at another facts parameter (the loader's by-value one, the compiler's by-ref one).</summary>
    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }

    private sealed class Walker(ParameterExpression facts)
    {
        public Violation? Visit(Expression? node, int depth)
        {
            if (node is null)
            {
                return null;
            }

            if (depth > MaxTreeDepth)
            {
                return new Violation($"the expression nests deeper than {MaxTreeDepth} levels", null);
            }

            switch (node)
            {
                case ParameterExpression p when p == facts:
                    return new Violation("the facts object itself cannot be used; read one of its facts", null);
                case ConstantExpression { Type.IsEnum: true } c when c.Value is not null && !Enum.IsDefined(c.Type, c.Value):
                    return new Violation($"{c.Value} is not a value of a fact; compare facts with their values as strings (\"deleted\")", null, Sandbox: false);
                case ConstantExpression c:
                    return c.Value is null || IsValueType(c.Type)
                        ? null
                        : new Violation($"a constant of type {c.Type.Name} is not allowed (reflection and type literals are outside the sandbox)", null);
                case MemberExpression m:
                {
                    if (m.Expression == facts)
                    {
                        return m.Member is PropertyInfo prop && Facts.Contains(prop)
                            ? null
                            : new Violation($"'{m.Member.Name}' is not a fact", m.Member.Name);
                    }

                    var inner = Visit(m.Expression, depth + 1);
                    return inner ?? new Violation(DescribeMember(m.Member), m.Member.Name);
                }

                case MethodCallExpression call:
                {
                    // Judge the receiver first, so the innermost cause is reported (GetType in x.GetType().Assembly).
                    if (call.Object is not null && call.Object != facts && !IsFactRead(call.Object))
                    {
                        var inner = Visit(call.Object, depth + 1);
                        if (inner is not null)
                        {
                            return inner;
                        }
                    }

                    if (!call.Method.IsStatic || call.Method.DeclaringType != typeof(RuleFunctions))
                    {
                        return new Violation(DescribeCall(call), call.Method.Name);
                    }

                    foreach (var arg in call.Arguments)
                    {
                        if (Visit(arg, depth + 1) is { } v)
                        {
                            return v;
                        }
                    }

                    return null;
                }

                case UnaryExpression u when u.NodeType is ExpressionType.Not or ExpressionType.Convert:
                    if (u.Method is not null || !IsValueType(u.Type))
                    {
                        return new Violation($"conversion to {u.Type.Name} is not allowed", null);
                    }

                    return Visit(u.Operand, depth + 1);
                case BinaryExpression b when b.NodeType is ExpressionType.AndAlso or ExpressionType.OrElse or ExpressionType.Equal
                    or ExpressionType.NotEqual or ExpressionType.And or ExpressionType.Or or ExpressionType.ExclusiveOr:
                    return Visit(b.Left, depth + 1) ?? Visit(b.Right, depth + 1)
                        ?? (b.Method is null ? null : new Violation($"operator '{b.NodeType}' on {b.Left.Type.Name} is not allowed; compare facts with literals", null));
                case BinaryExpression b:
                    return Visit(b.Left, depth + 1) ?? Visit(b.Right, depth + 1)
                        ?? new Violation($"operator '{b.NodeType}' is not part of the rule language; use ==, !=, &&, || and !", null);
                case ConditionalExpression c:
                    return Visit(c.Test, depth + 1) ?? Visit(c.IfTrue, depth + 1) ?? Visit(c.IfFalse, depth + 1);
                case NewExpression or NewArrayExpression or MemberInitExpression or ListInitExpression:
                    return new Violation("object creation ('new') is not allowed in rule expressions", "new");
                case TypeBinaryExpression:
                    return new Violation("type tests ('is', 'as') are not allowed in rule expressions", null);
                default:
                    return new Violation($"'{node.NodeType}' is not allowed in rule expressions", null);
            }
        }

        private bool IsFactRead(Expression e) => e is MemberExpression m && m.Expression == facts;

        private string DescribeCall(MethodCallExpression call)
        {
            var type = call.Method.DeclaringType;
            if (IsReflection(type) || call.Method.Name is "GetType" or "GetTypeCode")
            {
                return $"reflection is not allowed: '{call.Method.Name}'";
            }

            if (call.Object is not null && (call.Object == facts || IsFactRead(call.Object) || call.Object.Type == typeof(ChangeFacts)))
            {
                return $"methods of the facts are not allowed: '{call.Method.Name}' (only RuleFunctions.* may be called)";
            }

            return $"calling '{type?.Name}.{call.Method.Name}' is not allowed; only RuleFunctions.* may be called";
        }

        private static string DescribeMember(MemberInfo member) =>
            IsReflection(member.DeclaringType) || IsReflection((member as PropertyInfo)?.PropertyType)
                ? $"reflection is not allowed: '{member.Name}'"
                : $"member '{member.DeclaringType?.Name}.{member.Name}' is not allowed; only facts may be read";

        private static bool IsReflection(Type? type) =>
            type is not null && (type == typeof(Type) || typeof(MemberInfo).IsAssignableFrom(type) || type == typeof(Assembly)
                || type.Namespace?.StartsWith("System.Reflection", StringComparison.Ordinal) == true);

        private static bool IsValueType(Type type)
        {
            var t = Nullable.GetUnderlyingType(type) ?? type;
            return t == typeof(bool) || t == typeof(int) || t == typeof(long) || t == typeof(byte) || t == typeof(short)
                || t == typeof(string) || (t.IsEnum && t.Namespace == typeof(ChangeKind).Namespace);
        }
    }

    /// <summary>The properties of <see cref="ChangeFacts"/> that are catalog facts.</summary>
    private sealed class FrozenFactProperties
    {
        private readonly HashSet<PropertyInfo> _properties = [.. FactCatalog.All.Select(f => Language.FactNames.Property(f))];

        public bool Contains(PropertyInfo property) => _properties.Contains(property);
    }
}
