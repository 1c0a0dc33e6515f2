using System.Collections.Frozen;
using System.Collections.Immutable;

namespace RulesSync.Engine.Changes;

/// <summary>
/// One fact of the rule language: its name in YAML, what it means, its finite domain of values, and how
/// to read it from (and set it on) <see cref="ChangeFacts"/>. Immutable and thread-safe.
/// </summary>
public sealed class FactDefinition
{
    private readonly Func<ChangeFacts, int> _get;
    private readonly Func<ChangeFacts, int, ChangeFacts> _with;
    private readonly FrozenDictionary<string, int> _index;

    internal FactDefinition(
        string name,
        Type clrType,
        string description,
        ImmutableArray<string> values,
        Func<ChangeFacts, int> get,
        Func<ChangeFacts, int, ChangeFacts> with)
    {
        Name = name;
        ClrType = clrType;
        Description = description;
        Values = values;
        _get = get;
        _with = with;
        _index = values.Select((v, i) => (v, i)).ToFrozenDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The fact's name in rule files and expressions (camelCase).</summary>
    public string Name { get; }

    /// <summary>The CLR type of the fact on <see cref="ChangeFacts"/> (an enum or <see cref="bool"/>).</summary>
    public Type ClrType { get; }

    /// <summary>What the fact means, for docs and completions.</summary>
    public string Description { get; }

    /// <summary>The fact's values as written in rule files, in domain order.</summary>
    public ImmutableArray<string> Values { get; }

    /// <summary>Whether the fact is a boolean (values <c>false</c>, <c>true</c>).</summary>
    public bool IsBoolean => ClrType == typeof(bool);

    /// <summary>The index in <see cref="Values"/> of this fact's value in <paramref name="facts"/>.</summary>
    public int IndexOf(in ChangeFacts facts) => _get(facts);

    /// <summary>The value name of this fact in <paramref name="facts"/>.</summary>
    public string ValueOf(in ChangeFacts facts) => Values[_get(facts)];

    /// <summary>A copy of <paramref name="facts"/> with this fact set to the value at <paramref name="index"/>.</summary>
    public ChangeFacts With(in ChangeFacts facts, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Values.Length);
        return _with(facts, index);
    }

    /// <summary>Looks a value name up in this fact's domain (ordinal, as written in rule files).</summary>
    public bool TryParseValue(string text, out int index) => _index.TryGetValue(text, out index);
}

/// <summary>
/// The closed, documented set of facts rules may use, each with a finite domain. The whole fact space is
/// the product of the domains; <see cref="SpaceSize"/>, <see cref="Encode"/> and <see cref="Decode"/>
/// number it so analyses (gaps, overlaps, shadowed rules) can enumerate it. Thread-safe.
/// </summary>
public static class FactCatalog
{
    /// <summary>Every fact, in the order the rule language documents them.</summary>
    public static ImmutableArray<FactDefinition> All { get; } =
    [
        Enum<ChangeSource>("source", "Where the change was observed: in the employee's mailbox or in the CRM.", f => f.Source, (f, v) => f with { Source = v }),
        Enum<Provider>("provider", "The observing employee's mailbox provider.", f => f.Provider, (f, v) => f with { Provider = v }),
        Enum<ChangeKind>("kind", "What happened to the replica: created, updated, deleted, cancelled, declined, missing from a full listing, or completed in the CRM.", f => f.Kind, (f, v) => f with { Kind = v }),
        Enum<Role>("role", "The observing employee's role in the meeting.", f => f.Role, (f, v) => f with { Role = v }),
        Enum<LinkState>("link", "unlinked: no correlation known; this: the CRM record is linked to this employee's replica; other: it is linked to another participant's replica.", f => f.Link, (f, v) => f with { Link = v }),
        Bool("ownsRecord", "Whether the observing employee owns the CRM record.", f => f.OwnsRecord, (f, v) => f with { OwnsRecord = v }),
        Enum<Timing>("timing", "Whether the meeting is in the past or the future.", f => f.Timing, (f, v) => f with { Timing = v }),
        Bool("employeeAttendees", "Whether employees other than the organizer take part.", f => f.EmployeeAttendees, (f, v) => f with { EmployeeAttendees = v }),
        Bool("externalAttendees", "Whether people outside the tenant take part.", f => f.ExternalAttendees, (f, v) => f with { ExternalAttendees = v }),
        Enum<MeetingType>("meetingType", "The CRM object kind: appointment or visit.", f => f.MeetingType, (f, v) => f with { MeetingType = v }),
        Enum<ApiVersion>("apiVersion", "The CRM OData API generation: v1 does not expose the meeting's UID, v2 does.", f => f.ApiVersion, (f, v) => f with { ApiVersion = v }),
        Bool("autoShare", "Whether the tenant auto-shares meetings with employee participants to the CRM.", f => f.AutoShare, (f, v) => f with { AutoShare = v }),
        Bool("inSyncWindow", "Whether the meeting lies inside the tenant's sync window.", f => f.InSyncWindow, (f, v) => f with { InSyncWindow = v }),
        Enum<RecurrenceKind>("recurrence", "none: a single meeting, not part of a series; occurrence: a regular occurrence of a recurring series; exception: an occurrence changed on its own (moved or edited).", f => f.Recurrence, (f, v) => f with { Recurrence = v }),
        Enum<ChangeScope>("scope", "How far the change reaches: one: this meeting or occurrence alone; following: this occurrence and the later ones (the series was ended or split); series: the whole series (edited, cancelled or deleted).", f => f.Scope, (f, v) => f with { Scope = v }),
    ];

    private static readonly FrozenDictionary<string, FactDefinition> ByName =
        All.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The number of distinct fact combinations: the product of every domain's size.</summary>
    public static int SpaceSize { get; } = All.Aggregate(1, (n, f) => checked(n * f.Values.Length));

    /// <summary>Looks a fact up by its rule-language name (ordinal).</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FactDefinition? fact) =>
        ByName.TryGetValue(name, out fact);

    /// <summary>The position of <paramref name="facts"/> in the fact space, in [0, <see cref="SpaceSize"/>).</summary>
    public static int Encode(in ChangeFacts facts)
    {
        var code = 0;
        foreach (var fact in All)
        {
            code = (code * fact.Values.Length) + fact.IndexOf(facts);
        }

        return code;
    }

    /// <summary>The fact combination at position <paramref name="code"/> of the fact space.</summary>
    public static ChangeFacts Decode(int code)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(code);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(code, SpaceSize);
        var facts = ChangeFacts.Default;
        for (var i = All.Length - 1; i >= 0; i--)
        {
            var fact = All[i];
            facts = fact.With(facts, code % fact.Values.Length);
            code /= fact.Values.Length;
        }

        return facts;
    }

    /// <summary>Every fact combination, in code order.</summary>
    public static IEnumerable<ChangeFacts> EnumerateSpace()
    {
        for (var code = 0; code < SpaceSize; code++)
        {
            yield return Decode(code);
        }
    }

    /// <summary>Renders facts as <c>name=value</c> pairs in catalog order, for traces and messages.</summary>
    public static string Describe(in ChangeFacts facts)
    {
        var f = facts;
        return string.Join(' ', All.Select(d => $"{d.Name}={d.ValueOf(f)}"));
    }

    private static FactDefinition Enum<T>(string name, string description, Func<ChangeFacts, T> get, Func<ChangeFacts, T, ChangeFacts> with)
        where T : struct, Enum
    {
        var members = System.Enum.GetValues<T>();
        var values = members.Select(m => ToCamel(m.ToString())).ToImmutableArray();
        return new FactDefinition(
            name,
            typeof(T),
            description,
            values,
            f => Array.IndexOf(members, get(f)),
            (f, i) => with(f, members[i]));
    }

    private static FactDefinition Bool(string name, string description, Func<ChangeFacts, bool> get, Func<ChangeFacts, bool, ChangeFacts> with) =>
        new(name, typeof(bool), description, ["false", "true"], f => get(f) ? 1 : 0, (f, i) => with(f, i == 1));

    private static string ToCamel(string pascal) =>
        pascal.Length == 0 ? pascal : string.Concat(char.ToLowerInvariant(pascal[0]).ToString(), pascal.AsSpan(1));
}
