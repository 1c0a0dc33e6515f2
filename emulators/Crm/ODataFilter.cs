using System.Globalization;
using System.Text.RegularExpressions;

namespace RulesSync.Emulators.Crm;

/// <summary>
/// The part of OData V2 <c>$filter</c> a change poll needs: comparisons
/// (<c>eq ne gt ge lt le</c>) joined by <c>and</c>, with <c>datetimeoffset'...'</c>,
/// <c>datetime'...'</c>, <c>'string'</c> and number literals — e.g. a poll by last change, or a lookup by
/// <c>GroupwareItemID eq '...'</c>. Anything else is a 400.
/// </summary>
internal static partial class ODataFilter
{
    public static Func<CrmActivity, bool> Parse(string? filter, C4cEntitySchema dialect)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }

        var predicates = Clauses(filter.Trim()).Select(c => Clause(c.Trim(), dialect)).ToList();
        return a => predicates.All(p => p(a));
    }

    /// <summary>Value of a property for filtering and ordering; null if the dialect has no such property.</summary>
    public static IComparable? Value(CrmActivity a, string field, C4cEntitySchema s) => field switch
    {
        "ETag" => a.LastChangeDateTime,
        "ObjectID" => a.ObjectID,
        "ID" => a.ID,
        "Subject" => a.Subject,
        "GroupwareItemID" => a.GroupwareItemID ?? "",
        _ when field == s.LastChange => a.LastChangeDateTime,
        _ when field == s.Start && s.DateShape == C4cDateShape.DateTimeOffset => a.Start,
        _ when field == s.End && s.DateShape == C4cDateShape.DateTimeOffset => a.End,
        _ when field == s.Status => a.LifeCycleStatusCode,
        _ when field == s.OwnerPartyId => a.OwnerPartyID,
        _ when field == s.OrganizerId => a.OrganizerPartyID,
        _ when field == s.OrganizerEmail => a.OrganizerEmail,
        _ when field == s.Uid => a.ICalUid ?? "",
        _ => throw new FormatException($"Property {field} not found in type {s.Namespace}.{s.EntityType}."),
    };

    private static bool IsDate(string field, C4cEntitySchema s) => field == "ETag" || field == s.LastChange || field == s.Start || field == s.End;

    /// <summary>The clauses joined by <c>and</c>; an "and" inside a quoted literal (a subject, an id) is text.</summary>
    private static IEnumerable<string> Clauses(string filter)
    {
        var start = 0;
        foreach (Match and in AndSplitter().Matches(filter))
        {
            // Outside a literal the quotes before it pair up ('' inside a literal counts twice).
            if (filter.AsSpan(0, and.Index).Count('\'') % 2 == 0)
            {
                yield return filter[start..and.Index];
                start = and.Index + and.Length;
            }
        }

        yield return filter[start..];
    }

    private static Func<CrmActivity, bool> Clause(string clause, C4cEntitySchema dialect)
    {
        var match = ClausePattern().Match(clause);
        if (!match.Success)
        {
            throw new FormatException($"Unsupported $filter expression: {clause}");
        }

        var field = match.Groups["field"].Value;
        var op = match.Groups["op"].Value;
        IComparable literal = match.Groups["kind"].Value switch
        {
            "datetimeoffset" or "datetime" => DateTimeOffset.Parse(match.Groups["text"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            "" when match.Groups["text"].Success => match.Groups["text"].Value.Replace("''", "'", StringComparison.Ordinal),
            _ => match.Groups["number"].Value,
        };
        if (IsDate(field, dialect) && literal is not DateTimeOffset)
        {
            throw new FormatException($"{field} must be compared with a datetimeoffset literal.");
        }

        _ = Value(new CrmActivity("", "", CrmActivityKind.Appointment, "", default, default, "", "", "", "", null, null, [], default, default), field, dialect);
        return a =>
        {
            var value = Value(a, field, dialect)!;
            var comparison = value is string s ? string.CompareOrdinal(s, (string)literal) : value.CompareTo(literal);
            return op switch
            {
                "eq" => comparison == 0,
                "ne" => comparison != 0,
                "gt" => comparison > 0,
                "ge" => comparison >= 0,
                "lt" => comparison < 0,
                _ => comparison <= 0,
            };
        };
    }

    [GeneratedRegex(@"\s+and\s+", RegexOptions.CultureInvariant)]
    private static partial Regex AndSplitter();

    [GeneratedRegex(@"^(?<field>\w+)\s+(?<op>eq|ne|gt|ge|lt|le)\s+(?:(?<kind>datetimeoffset|datetime)?'(?<text>(?:[^']|'')*)'|(?<number>-?\d+(?:\.\d+)?))$", RegexOptions.CultureInvariant)]
    private static partial Regex ClausePattern();
}
