using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RulesSync.Engine.Rules.Language;

/// <summary>A node of a parsed YAML document, with its location and its JSON pointer (for schema errors).</summary>
internal abstract class YamlTreeNode(SourceLocation location, string pointer)
{
    public SourceLocation Location { get; } = location;

    public string Pointer { get; } = pointer;

    public abstract string KindName { get; }
}

internal sealed class YamlTreeScalar(SourceLocation location, string pointer, string value, bool plain) : YamlTreeNode(location, pointer)
{
    public string Value { get; } = value;

    /// <summary>Whether the scalar was written unquoted (only plain scalars are booleans, numbers or null).</summary>
    public bool IsPlain { get; } = plain;

    public override string KindName => "a scalar";

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public bool? AsBoolean => !IsPlain ? null : Value switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    public bool IsInteger => IsPlain && YamlTree.IntegerPattern().IsMatch(Value);
}

internal sealed class YamlTreeSequence(SourceLocation location, string pointer) : YamlTreeNode(location, pointer)
{
    public List<YamlTreeNode> Items { get; } = [];

    public override string KindName => "a list";
}

internal sealed class YamlTreeMapping(SourceLocation location, string pointer) : YamlTreeNode(location, pointer)
{
    private readonly Dictionary<string, KeyValuePair<YamlTreeScalar, YamlTreeNode>> _byKey = new(StringComparer.Ordinal);

    public List<KeyValuePair<YamlTreeScalar, YamlTreeNode>> Entries { get; } = [];

    public override string KindName => "a map";

    public YamlTreeNode? this[string key] => _byKey.TryGetValue(key, out var entry) ? entry.Value : null;

    public YamlTreeScalar? KeyNode(string key) => _byKey.TryGetValue(key, out var entry) ? entry.Key : null;

    public void Add(YamlTreeScalar key, YamlTreeNode value)
    {
        var entry = KeyValuePair.Create(key, value);
        Entries.Add(entry);
        _byKey.Add(key.Value, entry);
    }
}

/// <summary>
/// Builds a <see cref="YamlTreeNode"/> tree from YamlDotNet's parser events, iteratively, refusing anything a
/// rule file has no use for and anything that could exhaust the machine: documents over the size cap (checked
/// before parsing), nesting over the depth cap (checked as events arrive, so a deep document is refused before
/// it is built), anchors and aliases (no "billion laughs"), tags, complex keys, duplicate keys, several documents.
/// </summary>
internal static partial class YamlTree
{
    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    internal static partial Regex IntegerPattern();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", RegexOptions.CultureInvariant)]
    private static partial Regex MarkPrefix();

    public static YamlTreeNode? Parse(string sourceName, string text, int maxDepth, List<RuleDiagnostic> diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var stack = new Stack<(YamlTreeNode Node, YamlTreeScalar? PendingKey)>();
        YamlTreeNode? root = null;
        var documents = 0;
        var last = new SourceLocation(sourceName, 1, 1);
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                var at = new SourceLocation(sourceName, checked((int)ev.Start.Line), checked((int)ev.Start.Column));
                last = at;
                switch (ev)
                {
                    case StreamStart or StreamEnd or DocumentEnd:
                        break;
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "a rule file holds exactly one YAML document"));
                            return null;
                        }

                        break;
                    case AnchorAlias:
                        diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "YAML aliases are not supported in rule files"));
                        return null;
                    case NodeEvent { Anchor.IsEmpty: false }:
                        diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "YAML anchors are not supported in rule files"));
                        return null;
                    case NodeEvent { Tag.IsEmpty: false }:
                        diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "YAML tags are not supported in rule files"));
                        return null;
                    case Scalar scalar:
                    {
                        if (stack.Count > 0 && stack.Peek() is { Node: YamlTreeMapping map, PendingKey: null })
                        {
                            var key = new YamlTreeScalar(at, map.Pointer, scalar.Value, scalar.Style == ScalarStyle.Plain);
                            if (map.KeyNode(key.Value) is { } existing)
                            {
                                var first = existing.Location;
                                diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.Duplicate, $"duplicate key '{key.Value}' (first at line {first.Line})"));
                                return null;
                            }

                            stack.Pop();
                            stack.Push((map, key));
                            break;
                        }

                        var node = new YamlTreeScalar(at, ChildPointer(stack), scalar.Value, scalar.Style == ScalarStyle.Plain);
                        if (!Attach(stack, node, ref root))
                        {
                            return null;
                        }

                        break;
                    }

                    case MappingStart or SequenceStart:
                    {
                        if (stack.Count > 0 && stack.Peek() is { Node: YamlTreeMapping, PendingKey: null })
                        {
                            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "complex (non-scalar) keys are not supported in rule files"));
                            return null;
                        }

                        if (stack.Count >= maxDepth)
                        {
                            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.TooDeep, $"the document nests deeper than {maxDepth} levels"));
                            return null;
                        }

                        var pointer = ChildPointer(stack);
                        YamlTreeNode node = ev is MappingStart ? new YamlTreeMapping(at, pointer) : new YamlTreeSequence(at, pointer);
                        Attach(stack, node, ref root);
                        stack.Push((node, null));
                        break;
                    }

                    case MappingEnd or SequenceEnd:
                        stack.Pop();
                        break;
                    default:
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            var at = new SourceLocation(sourceName, checked((int)e.Start.Line), checked((int)e.Start.Column));
            diagnostics.Add(RuleDiagnostic.Error(at, DiagnosticCodes.YamlSyntax, "malformed YAML: " + MarkPrefix().Replace(e.Message, string.Empty)));
            return null;
        }
#pragma warning disable CA1031 // YamlDotNet's scanner also throws non-YAML exceptions on some malformed input; any of them is a syntax error.
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
#pragma warning restore CA1031
        {
            diagnostics.Add(RuleDiagnostic.Error(last, DiagnosticCodes.YamlSyntax, "malformed YAML near here"));
            return null;
        }

        if (root is null)
        {
            diagnostics.Add(RuleDiagnostic.Error(new SourceLocation(sourceName, 1, 1), DiagnosticCodes.Structure, "the document is empty"));
        }

        return root;
    }

    /// <summary>Converts the tree to JSON with YAML 1.2 core-schema typing of plain scalars, for schema validation.</summary>
    public static JsonNode? ToJson(YamlTreeNode node) => node switch
    {
        YamlTreeMapping map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key.Value, ToJson(e.Value)))),
        YamlTreeSequence seq => new JsonArray([.. seq.Items.Select(ToJson)]),
        YamlTreeScalar { IsNull: true } => null,
        YamlTreeScalar { AsBoolean: { } b } => JsonValue.Create(b),
        YamlTreeScalar { IsInteger: true } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YamlTreeScalar s => JsonValue.Create(s.Value),
        _ => null,
    };

    /// <summary>Every node by JSON pointer (keys too, under the pointer of the value they name).</summary>
    public static Dictionary<string, SourceLocation> Locations(YamlTreeNode root)
    {
        var result = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var work = new Stack<YamlTreeNode>();
        work.Push(root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            result.TryAdd(node.Pointer, node.Location);
            switch (node)
            {
                case YamlTreeMapping map:
                    foreach (var e in map.Entries)
                    {
                        work.Push(e.Value);
                    }

                    break;
                case YamlTreeSequence seq:
                    foreach (var i in seq.Items)
                    {
                        work.Push(i);
                    }

                    break;
                default:
                    break;
            }
        }

        return result;
    }

    private static string ChildPointer(Stack<(YamlTreeNode Node, YamlTreeScalar? PendingKey)> stack)
    {
        if (stack.Count == 0)
        {
            return string.Empty;
        }

        var (parent, key) = stack.Peek();
        var token = parent is YamlTreeSequence seq
            ? seq.Items.Count.ToString(CultureInfo.InvariantCulture)
            : key!.Value.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
        return parent.Pointer + "/" + token;
    }

    private static bool Attach(Stack<(YamlTreeNode Node, YamlTreeScalar? PendingKey)> stack, YamlTreeNode node, ref YamlTreeNode? root)
    {
        if (stack.Count == 0)
        {
            root = node;
            return true;
        }

        var (parent, key) = stack.Pop();
        switch (parent)
        {
            case YamlTreeSequence seq:
                seq.Items.Add(node);
                stack.Push((parent, null));
                break;
            case YamlTreeMapping map:
                map.Add(key!, node);
                stack.Push((parent, null));
                break;
            default:
                break;
        }

        return true;
    }
}
