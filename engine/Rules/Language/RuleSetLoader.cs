using System.Collections.Immutable;
using System.Globalization;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Sandbox;

namespace RulesSync.Engine.Rules.Language;

/// <summary>The result of loading a rule file: the model if it is valid, and every diagnostic found.</summary>
/// <param name="Model">The checked model, or null when any error was found.</param>
/// <param name="Diagnostics">Errors and warnings, in document order.</param>
public sealed record RuleSetLoadResult(RuleSetModel? Model, ImmutableArray<RuleDiagnostic> Diagnostics)
{
    /// <summary>Whether the file loaded without errors.</summary>
    public bool Succeeded => Model is not null;
}

/// <summary>
/// Loads a YAML rule set from text (the shell reads files; the engine does no IO). In order: size cap (before
/// any parsing), YAML syntax with a depth cap, JSON Schema (rules.schema.json), then the checks a schema cannot
/// make with good messages: fact and value names with suggestions, duplicate names, fixture references, and
/// each expression through the <see cref="ExpressionSandbox"/>. Every diagnostic carries <c>source:line:col</c>.
/// Nothing in a rule file is ever evaluated while loading. Thread-safe.
/// </summary>
public static partial class RuleSetLoader
{
    /// <summary>Largest document accepted, in characters (1 MiB); checked before parsing.</summary>
    public const int MaxDocumentChars = 1 << 20;

    /// <summary>Deepest YAML nesting accepted (a rule file needs 6).</summary>
    public const int MaxDepth = 32;

    /// <summary>Most diagnostics reported for one file; the rest are counted in one last diagnostic.</summary>
    public const int MaxDiagnostics = 100;

    /// <summary>Most rules accepted in one rule set (analysis evaluates every rule at every point of the fact space).</summary>
    public const int MaxRules = 1000;

    private static readonly string[] TopKeys = ["name", "description", "hitPolicy", "rules", "tests"];
    private static readonly string[] RuleKeys = ["name", "because", "priority", "when", "expression", "decide", "target", "expectUnreachable", "unreachableReason"];
    private static readonly string[] FixtureKeys = ["name", "given", "expect"];
    private static readonly string[] ExpectKeys = ["decide", "target", "rule"];

    /// <summary>Loads and checks the rule set in <paramref name="text"/>, naming it <paramref name="sourceName"/> in diagnostics.</summary>
    public static RuleSetLoadResult Load(string sourceName, string text)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(text);
        var diagnostics = new List<RuleDiagnostic>();
        if (text.Length > MaxDocumentChars)
        {
            diagnostics.Add(RuleDiagnostic.Error(
                new SourceLocation(sourceName, 1, 1),
                DiagnosticCodes.TooLarge,
                $"the document is {text.Length:N0} characters; rule files are limited to {MaxDocumentChars:N0}"));
            return new RuleSetLoadResult(null, [.. diagnostics]);
        }

        var root = YamlTree.Parse(sourceName, text, MaxDepth, diagnostics);
        if (root is null)
        {
            return new RuleSetLoadResult(null, [.. diagnostics]);
        }

        var reader = new Reader(sourceName);
        var model = reader.ReadRuleSet(root);
        var semantic = reader.Diagnostics;

        // The schema is the editor's contract; the reader gives better messages for the same faults. Report a
        // schema error only where the reader found nothing at or below that node (so drift between the two shows).
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pointer, _) in semantic)
        {
            for (var p = pointer; p.Length > 0 && covered.Add(p); p = p[..p.LastIndexOf('/')])
            {
            }
        }

        // With the report already full, schema validation would only add work (it is the slow part on huge files).
        var schemaErrors = (semantic.Count >= MaxDiagnostics ? [] : RuleSetSchema.Validate(root))
            .Where(s => !covered.Contains(s.Pointer) && !(s.Pointer.Length == 0 && semantic.Any(d => d.Pointer.Length == 0)))
            .Select(s => (s.Pointer, Diagnostic: RuleDiagnostic.Error(s.Location, DiagnosticCodes.Schema, s.Message)));

        var sorted = semantic.Concat(schemaErrors)
            .Select(p => p.Diagnostic)
            .OrderBy(d => d.Line).ThenBy(d => d.Column)
            .ToList();
        var hidden = sorted.Count - MaxDiagnostics + reader.Dropped;
        var all = hidden <= 0
            ? sorted.ToImmutableArray()
            : sorted.Take(MaxDiagnostics).Append(RuleDiagnostic.Error(
                new SourceLocation(sourceName, sorted[MaxDiagnostics].Line, sorted[MaxDiagnostics].Column),
                DiagnosticCodes.Structure,
                $"{hidden} more problems not shown")).ToImmutableArray();
        return new RuleSetLoadResult(all.Any(d => d.IsError) ? null : model, all);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private sealed class Reader(string source)
    {
        public List<(string Pointer, RuleDiagnostic Diagnostic)> Diagnostics { get; } = [];

        public int Dropped { get; private set; }

        public RuleSetModel? ReadRuleSet(YamlTreeNode root)
        {
            if (root is not YamlTreeMapping map)
            {
                Error(root, DiagnosticCodes.Structure, $"a rule set must be a map with keys {string.Join(", ", TopKeys)}, not {root.KindName}");
                return null;
            }

            CheckKeys(map, TopKeys, "rule set");
            var name = ReadName(map, "name", "rule set");
            var description = ReadString(map, "description", required: false) ?? string.Empty;
            var hitPolicy = ReadEnum(map, "hitPolicy", ["first", "unique"], required: true) switch
            {
                "unique" => HitPolicy.Unique,
                _ => HitPolicy.First,
            };

            var rules = new List<RuleModel>();
            var ruleNames = new Dictionary<string, RuleModel>(StringComparer.Ordinal);
            if (Require(map, "rules") is { } rulesNode)
            {
                if (rulesNode is YamlTreeSequence { Items.Count: > MaxRules } tooMany)
                {
                    Error(tooMany, DiagnosticCodes.Structure, $"a rule set holds at most {MaxRules} rules, not {tooMany.Items.Count}");
                }
                else if (rulesNode is YamlTreeSequence seq)
                {
                    foreach (var item in seq.Items)
                    {
                        if (ReadRule(item) is { } rule)
                        {
                            if (!ruleNames.TryAdd(rule.Name, rule))
                            {
                                var first = ruleNames[rule.Name];
                                Error(((YamlTreeMapping)item)["name"]!, DiagnosticCodes.Duplicate, $"duplicate rule name '{rule.Name}' (first at line {first.Location.Line})");
                            }

                            rules.Add(rule);
                        }
                    }
                }
                else
                {
                    Error(rulesNode, DiagnosticCodes.Structure, $"'rules' must be a list of rules, not {rulesNode.KindName}");
                }
            }

            var tests = new List<FixtureModel>();
            var testNames = new Dictionary<string, FixtureModel>(StringComparer.Ordinal);
            if (map["tests"] is { } testsNode)
            {
                if (testsNode is YamlTreeSequence seq)
                {
                    foreach (var item in seq.Items)
                    {
                        if (ReadFixture(item) is { } fixture)
                        {
                            var itemMap = (YamlTreeMapping)item;
                            if (!testNames.TryAdd(fixture.Name, fixture))
                            {
                                var first = testNames[fixture.Name];
                                Error(itemMap["name"]!, DiagnosticCodes.Duplicate, $"duplicate fixture name '{fixture.Name}' (first at line {first.Location.Line})");
                            }

                            if (fixture.ExpectRule is { } ruleName && !ruleNames.ContainsKey(ruleName))
                            {
                                var at = ((YamlTreeMapping)itemMap["expect"]!)["rule"]!;
                                Error(at, DiagnosticCodes.UnknownRule, $"fixture expects unknown rule '{ruleName}'" + FactNames.DidYouMean(ruleName, rules.Select(r => r.Name)));
                            }

                            tests.Add(fixture);
                        }
                    }
                }
                else if (!(testsNode is YamlTreeScalar { IsNull: true }))
                {
                    Error(testsNode, DiagnosticCodes.Structure, $"'tests' must be a list of fixtures, not {testsNode.KindName}");
                }
            }

            return name is null ? null : new RuleSetModel(name, description, hitPolicy, [.. rules], [.. tests], source);
        }

        private RuleModel? ReadRule(YamlTreeNode node)
        {
            if (node is not YamlTreeMapping map)
            {
                Error(node, DiagnosticCodes.Structure, $"a rule must be a map with keys {string.Join(", ", RuleKeys)}, not {node.KindName}");
                return null;
            }

            CheckKeys(map, RuleKeys, "rule");
            var name = ReadName(map, "name", "rule");
            var because = ReadString(map, "because", required: true);
            if (because is { Length: 0 })
            {
                Error(map["because"]!, DiagnosticCodes.Structure, "'because' must say why the rule decides what it does");
                because = null;
            }

            var priority = 0;
            if (map["priority"] is { } p)
            {
                if (p is YamlTreeScalar { IsInteger: true } s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    priority = value;
                }
                else
                {
                    Error(p, DiagnosticCodes.Structure, "'priority' must be an integer");
                }
            }

            var when = ImmutableArray<FactCondition>.Empty;
            if (map["when"] is { } w)
            {
                when = ReadWhen(w);
            }

            RuleExpression? expression = null;
            if (map["expression"] is { } e)
            {
                if (e is YamlTreeScalar { IsNull: false } es)
                {
                    expression = new RuleExpression(es.Value, es.Location);
                    CheckExpression(es);
                }
                else
                {
                    Error(e, DiagnosticCodes.Structure, "'expression' must be a string");
                }
            }

            var decide = ReadAction(map, "decide");
            var target = ReadEnum(map, "target", ["opposite", "crm", "mailbox"], required: false) switch
            {
                "crm" => DecisionTarget.Crm,
                "mailbox" => DecisionTarget.Mailbox,
                _ => DecisionTarget.Opposite,
            };

            var unreachable = ReadUnreachable(map);
            return name is null || because is null || decide is null
                ? null
                : new RuleModel(name, because, priority, when, expression, decide.Value, target, map.Location, unreachable);
        }

        /// <summary><c>expectUnreachable: true</c> and its <c>unreachableReason</c>: the reason, or null when not marked (or invalid).</summary>
        private string? ReadUnreachable(YamlTreeMapping map)
        {
            var flag = false;
            if (map["expectUnreachable"] is { } node)
            {
                if (node is YamlTreeScalar { AsBoolean: { } b })
                {
                    flag = b;
                }
                else
                {
                    Error(node, DiagnosticCodes.Structure, $"'expectUnreachable' must be true or false, not {(node is YamlTreeScalar sc ? $"'{sc.Value}'" : node.KindName)}");
                    return null;
                }
            }

            var reason = ReadString(map, "unreachableReason", required: false);
            if (flag && string.IsNullOrWhiteSpace(reason))
            {
                Error(map["expectUnreachable"]!, DiagnosticCodes.Structure, "a rule marked 'expectUnreachable: true' needs an 'unreachableReason' saying why the simulated world never makes it fire");
                return null;
            }

            if (!flag && reason is not null)
            {
                Error(map["unreachableReason"]!, DiagnosticCodes.Structure, "'unreachableReason' is only for a rule marked 'expectUnreachable: true'");
                return null;
            }

            return flag ? reason : null;
        }

        private ImmutableArray<FactCondition> ReadWhen(YamlTreeNode node)
        {
            if (node is YamlTreeScalar { IsNull: true })
            {
                return [];
            }

            if (node is not YamlTreeMapping map)
            {
                Error(node, DiagnosticCodes.Structure, $"'when' must be a map from fact to condition, not {node.KindName}");
                return [];
            }

            var conditions = ImmutableArray.CreateBuilder<FactCondition>();
            foreach (var (key, value) in map.Entries)
            {
                if (!FactCatalog.TryGet(key.Value, out var fact))
                {
                    Error(value, key.Location, DiagnosticCodes.UnknownFact, FactNames.UnknownFactMessage(key.Value));
                    continue;
                }

                if (ReadCondition(fact, value) is { } condition)
                {
                    conditions.Add(condition);
                }
            }

            return conditions.ToImmutable();
        }

        private FactCondition? ReadCondition(FactDefinition fact, YamlTreeNode node)
        {
            switch (node)
            {
                case YamlTreeScalar s:
                    return ReadValue(fact, s) is { } v ? new FactCondition(fact, ConditionOperator.Equals, [v], s.Location) : null;
                case YamlTreeSequence seq:
                    return ReadValues(fact, seq) is { } vs ? new FactCondition(fact, ConditionOperator.In, vs, seq.Location) : null;
                case YamlTreeMapping { Entries.Count: 1 } map:
                {
                    var (key, value) = map.Entries[0];
                    switch (key.Value)
                    {
                        case "equals" or "not":
                            if (value is not YamlTreeScalar one)
                            {
                                Error(value, DiagnosticCodes.Structure, $"'{key.Value}' takes one value of '{fact.Name}', not {value.KindName}");
                                return null;
                            }

                            return ReadValue(fact, one) is { } single
                                ? new FactCondition(fact, key.Value == "not" ? ConditionOperator.NotEquals : ConditionOperator.Equals, [single], map.Location)
                                : null;
                        case "in" or "notIn":
                            if (value is not YamlTreeSequence list)
                            {
                                Error(value, DiagnosticCodes.Structure, $"'{key.Value}' takes a list of values of '{fact.Name}', not {value.KindName}");
                                return null;
                            }

                            return ReadValues(fact, list) is { } several
                                ? new FactCondition(fact, key.Value == "notIn" ? ConditionOperator.NotIn : ConditionOperator.In, several, map.Location)
                                : null;
                        default:
                            Error(value, key.Location, DiagnosticCodes.Structure, $"unknown operator '{key.Value}'" + FactNames.DidYouMean(key.Value, ["equals", "not", "in", "notIn"]) + " (operators: equals, not, in, notIn)");
                            return null;
                    }
                }

                default:
                    Error(node, DiagnosticCodes.Structure, $"a condition on '{fact.Name}' is a value, a list, or one of {{equals: v}}, {{not: v}}, {{in: [..]}}, {{notIn: [..]}}");
                    return null;
            }
        }

        private ImmutableArray<int>? ReadValues(FactDefinition fact, YamlTreeSequence seq)
        {
            var values = ImmutableArray.CreateBuilder<int>();
            var ok = true;
            foreach (var item in seq.Items)
            {
                if (item is not YamlTreeScalar s)
                {
                    Error(item, DiagnosticCodes.Structure, $"a list of '{fact.Name}' values holds values, not {item.KindName}");
                    ok = false;
                    continue;
                }

                if (ReadValue(fact, s) is not { } v)
                {
                    ok = false;
                }
                else if (values.Contains(v))
                {
                    Error(s, DiagnosticCodes.Duplicate, $"value '{fact.Values[v]}' is listed twice");
                    ok = false;
                }
                else
                {
                    values.Add(v);
                }
            }

            return ok ? values.ToImmutable() : null;
        }

        private int? ReadValue(FactDefinition fact, YamlTreeScalar s)
        {
            if (fact.IsBoolean)
            {
                if (s.AsBoolean is { } b)
                {
                    return b ? 1 : 0;
                }

                Error(s, DiagnosticCodes.UnknownValue, $"'{fact.Name}' is a boolean: write true or false" + (s.IsPlain ? string.Empty : " without quotes") + $", not '{s.Value}'");
                return null;
            }

            if (s.IsPlain && s.AsBoolean is not null)
            {
                Error(s, DiagnosticCodes.UnknownValue, $"'{fact.Name}' is not a boolean; its values are {string.Join(", ", fact.Values)}");
                return null;
            }

            if (fact.TryParseValue(s.Value, out var index))
            {
                return index;
            }

            Error(s, DiagnosticCodes.UnknownValue, FactNames.UnknownValueMessage(fact, s.Value));
            return null;
        }

        private FixtureModel? ReadFixture(YamlTreeNode node)
        {
            if (node is not YamlTreeMapping map)
            {
                Error(node, DiagnosticCodes.Structure, $"a fixture must be a map with keys {string.Join(", ", FixtureKeys)}, not {node.KindName}");
                return null;
            }

            CheckKeys(map, FixtureKeys, "fixture");
            var name = ReadName(map, "name", "fixture");
            var given = ImmutableArray.CreateBuilder<FactAssignment>();
            if (map["given"] is { } g and not YamlTreeScalar { IsNull: true })
            {
                if (g is YamlTreeMapping gm)
                {
                    foreach (var (key, value) in gm.Entries)
                    {
                        if (!FactCatalog.TryGet(key.Value, out var fact))
                        {
                            Error(value, key.Location, DiagnosticCodes.UnknownFact, FactNames.UnknownFactMessage(key.Value));
                        }
                        else if (value is not YamlTreeScalar s)
                        {
                            Error(value, DiagnosticCodes.Structure, $"'given' sets one value of '{fact.Name}', not {value.KindName}");
                        }
                        else if (ReadValue(fact, s) is { } v)
                        {
                            given.Add(new FactAssignment(fact, v, s.Location));
                        }
                    }
                }
                else
                {
                    Error(g, DiagnosticCodes.Structure, $"'given' must be a map from fact to value, not {g.KindName}");
                }
            }

            DecisionAction? decide = null;
            DecisionTarget? target = null;
            string? rule = null;
            if (Require(map, "expect") is { } e)
            {
                if (e is YamlTreeMapping em)
                {
                    CheckKeys(em, ExpectKeys, "expect");
                    decide = ReadAction(em, "decide");
                    target = ReadEnum(em, "target", ["crm", "mailbox"], required: false) switch
                    {
                        "crm" => DecisionTarget.Crm,
                        "mailbox" => DecisionTarget.Mailbox,
                        _ => null,
                    };
                    rule = em["rule"] is null ? null : ReadName(em, "rule", "expected rule");
                }
                else
                {
                    Error(e, DiagnosticCodes.Structure, $"'expect' must be a map with keys {string.Join(", ", ExpectKeys)}, not {e.KindName}");
                }
            }

            return name is null || decide is null ? null : new FixtureModel(name, given.ToImmutable(), decide.Value, target, rule, map.Location);
        }

        private void CheckExpression(YamlTreeScalar node)
        {
            var facts = Expression.Parameter(typeof(ChangeFacts), "facts");
            var result = ExpressionSandbox.Check(node.Value, facts);
            if (result.Error is null)
            {
                return;
            }

            // Point into the expression when it sits on one line (quoted scalars start one column later).
            var at = node.Location;
            if (!node.Value.Contains('\n', StringComparison.Ordinal))
            {
                at = at with { Column = at.Column + result.Offset + (node.IsPlain ? 0 : 1) };
            }

            var code = result.IsSandboxViolation ? DiagnosticCodes.Sandbox : DiagnosticCodes.Expression;
            var prefix = result.IsSandboxViolation ? "expression outside the sandbox: " : "invalid expression: ";
            Diagnostics.Add((node.Pointer, RuleDiagnostic.Error(at, code, prefix + result.Error)));
        }

        private DecisionAction? ReadAction(YamlTreeMapping map, string key) =>
            ReadEnum(map, key, ["ignore", "share", "delete", "cancel", "unlink"], required: true) switch
            {
                "ignore" => DecisionAction.Ignore,
                "share" => DecisionAction.Share,
                "delete" => DecisionAction.Delete,
                "cancel" => DecisionAction.Cancel,
                "unlink" => DecisionAction.Unlink,
                _ => null,
            };

        private string? ReadEnum(YamlTreeMapping map, string key, string[] allowed, bool required)
        {
            var node = required ? Require(map, key) : map[key];
            if (node is null)
            {
                return null;
            }

            if (node is YamlTreeScalar s && allowed.Contains(s.Value, StringComparer.Ordinal))
            {
                return s.Value;
            }

            var shown = node is YamlTreeScalar sc ? $"'{sc.Value}'" : node.KindName;
            var hint = node is YamlTreeScalar sc2 ? FactNames.DidYouMean(sc2.Value, allowed) : string.Empty;
            Error(node, DiagnosticCodes.Structure, $"'{key}' must be one of {string.Join(", ", allowed)}, not {shown}{hint}");
            return null;
        }

        private string? ReadName(YamlTreeMapping map, string key, string what)
        {
            var s = ReadString(map, key, required: true);
            if (s is not null && !NamePattern().IsMatch(s))
            {
                Error(map[key]!, DiagnosticCodes.Structure, $"a {what} name uses letters, digits, '.', '_' and '-', starting with a letter or digit: '{s}'");
                return null;
            }

            return s;
        }

        private string? ReadString(YamlTreeMapping map, string key, bool required)
        {
            var node = required ? Require(map, key) : map[key];
            switch (node)
            {
                case null:
                    return null;
                case YamlTreeScalar { IsNull: false } s when !(s.IsPlain && (s.AsBoolean is not null || s.IsInteger)):
                    return s.Value;
                default:
                    Error(node, DiagnosticCodes.Structure, $"'{key}' must be a string, not {(node is YamlTreeScalar sc ? $"'{sc.Value}'" : node.KindName)}");
                    return null;
            }
        }

        private YamlTreeNode? Require(YamlTreeMapping map, string key)
        {
            var node = map[key];
            if (node is null)
            {
                Diagnostics.Add((map.Pointer, RuleDiagnostic.Error(map.Location, DiagnosticCodes.Structure, $"missing required key '{key}'")));
            }

            return node;
        }

        private void CheckKeys(YamlTreeMapping map, string[] allowed, string what)
        {
            foreach (var (key, value) in map.Entries)
            {
                if (!allowed.Contains(key.Value, StringComparer.Ordinal))
                {
                    if (Diagnostics.Count > MaxDiagnostics)
                    {
                        // The report is full: count the rest without building (and spell-checking) messages.
                        Dropped++;
                        continue;
                    }

                    Error(value, key.Location, DiagnosticCodes.Structure, $"unknown key '{key.Value}' in a {what}" + FactNames.DidYouMean(key.Value, allowed) + $" (keys: {string.Join(", ", allowed)})");
                }
            }
        }

        private void Error(YamlTreeNode node, string code, string message) =>
            Diagnostics.Add((node.Pointer, RuleDiagnostic.Error(node.Location, code, message)));

        private void Error(YamlTreeNode node, SourceLocation at, string code, string message) =>
            Diagnostics.Add((node.Pointer, RuleDiagnostic.Error(at, code, message)));
    }
}
