using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Rules.Reference;

/// <summary>
/// A small, independent evaluator for the expression subset the rule language documents — fact names, string and
/// boolean literals, <c>== != &amp;&amp; || !</c>, parentheses, <c>iif(c, a, b)</c> and the <c>RuleFunctions</c>
/// helpers — with C#'s precedence (<c>!</c> over <c>==</c> over <c>&amp;&amp;</c> over <c>||</c>). It shares no code with
/// Dynamic LINQ or RulesEngine, so the property tests check the compiled path's parsing too. Facts are read through
/// <see cref="FactDefinition.ValueOf"/>; enum values compare by name, ignoring case, as Dynamic LINQ converts literals.
/// </summary>
internal static class ReferenceExpression
{
    /// <summary>Evaluates <paramref name="text"/> for <paramref name="facts"/>.</summary>
    /// <exception cref="FormatException">The text is outside the documented subset.</exception>
    public static bool Evaluate(string text, ChangeFacts facts)
    {
        var parser = new Parser(text, facts);
        var value = parser.Or();
        parser.SkipSpace();
        if (!parser.AtEnd)
        {
            throw new FormatException($"unexpected text at {parser.Position}: '{text[parser.Position..]}'");
        }

        return AsBool(value);
    }

    private static bool AsBool(object value) => value as bool? ?? throw new FormatException($"'{value}' is not boolean");

    private sealed class Parser(string text, ChangeFacts facts)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public object Or()
        {
            var left = And();
            while (Take("||"))
            {
                var right = And();
                left = AsBool(left) | AsBool(right);
            }

            return left;
        }

        private object And()
        {
            var left = Equality();
            while (Take("&&"))
            {
                var right = Equality();
                left = AsBool(left) & AsBool(right);
            }

            return left;
        }

        private object Equality()
        {
            var left = Unary();
            while (true)
            {
                if (Take("=="))
                {
                    left = Same(left, Unary());
                }
                else if (Take("!="))
                {
                    left = !Same(left, Unary());
                }
                else
                {
                    return left;
                }
            }
        }

        private object Unary() => Take("!") ? !AsBool(Unary()) : Primary();

        private object Primary()
        {
            SkipSpace();
            if (Take("("))
            {
                var inner = Or();
                Expect(")");
                return inner;
            }

            if (!AtEnd && text[Position] == '"')
            {
                var end = text.IndexOf('"', Position + 1);
                if (end < 0)
                {
                    throw new FormatException("unterminated string");
                }

                var literal = text[(Position + 1)..end];
                Position = end + 1;
                return literal;
            }

            var name = Identifier();
            switch (name)
            {
                case "true":
                    return true;
                case "false":
                    return false;
                case "iif":
                {
                    Expect("(");
                    var test = AsBool(Or());
                    Expect(",");
                    var whenTrue = Or();
                    Expect(",");
                    var whenFalse = Or();
                    Expect(")");
                    return test ? whenTrue : whenFalse;
                }

                case "RuleFunctions":
                {
                    Expect(".");
                    var function = Identifier();
                    Expect("(");
                    var args = new List<object> { Or() };
                    while (Take(","))
                    {
                        args.Add(Or());
                    }

                    Expect(")");
                    return (function, args.Count) switch
                    {
                        ("Implies", 2) => !AsBool(args[0]) || AsBool(args[1]),
                        ("ExactlyOne", 2) => AsBool(args[0]) != AsBool(args[1]),
                        ("IsRemoval", 1) => args[0] is string kind && kind is "deleted" or "cancelled" or "declined" or "missing",
                        _ => throw new FormatException($"unknown function {function}/{args.Count}"),
                    };
                }

                default:
                {
                    var fact = FactCatalog.All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                        ?? throw new FormatException($"unknown name '{name}'");
                    var value = fact.ValueOf(facts);
                    return fact.IsBoolean ? value == "true" : value;
                }
            }
        }

        private static bool Same(object left, object right) => (left, right) switch
        {
            (bool a, bool b) => a == b,
            (string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase),
            _ => throw new FormatException($"cannot compare '{left}' with '{right}'"),
        };

        private string Identifier()
        {
            SkipSpace();
            var start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] == '_'))
            {
                Position++;
            }

            return Position > start ? text[start..Position] : throw new FormatException($"identifier expected at {start}");
        }

        private bool Take(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, Position, token, 0, token.Length) != 0)
            {
                return false;
            }

            // "!" must not swallow the first character of "!=".
            if (token == "!" && Position + 1 < text.Length && text[Position + 1] == '=')
            {
                return false;
            }

            Position += token.Length;
            return true;
        }

        private void Expect(string token)
        {
            if (!Take(token))
            {
                throw new FormatException($"'{token}' expected at {Position}");
            }
        }
    }
}
