using Ical.Net;
// RecurrencePattern is Ical.Net's RecurrenceRule that also serializes itself (RecurrenceRule.ToString is empty in 5.2).
using IcalRule = Ical.Net.DataTypes.RecurrencePattern;

namespace RulesSync.Engine.Recurrence;

/// <summary>
/// A series' RRULE (RFC 5545 §3.3.10), parsed and kept in Ical.Net's canonical text. Only the frequencies both
/// providers can state are accepted (daily, weekly, monthly, yearly: Graph's <c>patternedRecurrence</c> has nothing
/// finer). Expansion is Ical.Net's, never a hand-written expander. Immutable and thread-safe: the text is the value,
/// Ical.Net's mutable pattern is rebuilt for each expansion.
/// </summary>
public sealed record RecurrenceRule
{
    private RecurrenceRule(string text, int? count, DateTimeOffset? until, bool untilIsDate)
    {
        Text = text;
        Count = count;
        Until = until;
        UntilIsDate = untilIsDate;
    }

    /// <summary>The rule in canonical RRULE value form, e.g. <c>FREQ=WEEKLY;COUNT=3;BYDAY=MO</c>.</summary>
    public string Text { get; }

    /// <summary>The rule's COUNT, if it has one.</summary>
    public int? Count { get; }

    /// <summary>The rule's UNTIL as an instant (a day: UTC midnight), if it has one.</summary>
    public DateTimeOffset? Until { get; }

    /// <summary>Whether UNTIL is a day rather than a date-time.</summary>
    public bool UntilIsDate { get; }

    /// <summary>Whether the series has no end.</summary>
    public bool IsEndless => Count is null && Until is null;

    /// <summary>
    /// Parses an RRULE value (an optional <c>RRULE:</c> prefix is accepted, as Google writes it). Returns null and a
    /// reason for anything Ical.Net refuses or the providers cannot state.
    /// </summary>
    public static RecurrenceRule? TryParse(string? text, out string error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty recurrence rule";
            return null;
        }

        var value = text.Trim();
        if (value.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["RRULE:".Length..];
        }

        IcalRule rule;
        try
        {
            rule = new IcalRule(value);
        }
        catch (ArgumentException e)
        {
            error = $"recurrence rule '{text}': {e.Message}";
            return null;
        }

        if (rule.Frequency is not (FrequencyType.Daily or FrequencyType.Weekly or FrequencyType.Monthly or FrequencyType.Yearly))
        {
            error = $"recurrence rule '{text}': FREQ={rule.Frequency.ToString().ToUpperInvariant()} is not supported (daily, weekly, monthly, yearly only)";
            return null;
        }

        if (rule.Count is <= 0)
        {
            error = $"recurrence rule '{text}': COUNT must be positive";
            return null;
        }

        if (rule.Interval <= 0)
        {
            error = $"recurrence rule '{text}': INTERVAL must be positive";
            return null;
        }

        error = string.Empty;
        return FromIcal(rule);
    }

    /// <summary>Parses an RRULE value; throws <see cref="FormatException"/> with the reason when it is invalid.</summary>
    public static RecurrenceRule Parse(string text) => TryParse(text, out var error) ?? throw new FormatException(error);

    /// <summary>
    /// The same rule ending before <paramref name="cut"/>: COUNT is dropped and UNTIL set to the last instant before
    /// the cut (a day rule: the day before). How "end the series" and the first half of "this and following" are
    /// stated in RRULE form, by Google and by Graph's <c>recurrenceRange</c> alike.
    /// </summary>
    public RecurrenceRule EndingBefore(DateTimeOffset cut, bool isDate)
    {
        var rule = ToIcal();
        rule.Count = null;
        rule.Until = isDate
            ? new Ical.Net.DataTypes.CalDateTime(DateOnly.FromDateTime(cut.UtcDateTime).AddDays(-1))
            : new Ical.Net.DataTypes.CalDateTime(cut.UtcDateTime.AddSeconds(-1), "UTC");
        return FromIcal(rule);
    }

    /// <summary>The same rule with COUNT set (for the second half of "this and following" on a counted series).</summary>
    public RecurrenceRule WithCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var rule = ToIcal();
        rule.Count = count;
        rule.Until = null;
        return FromIcal(rule);
    }

    internal IcalRule ToIcal() => new(Text);

    /// <inheritdoc />
    public override string ToString() => Text;

    private static RecurrenceRule FromIcal(IcalRule rule)
    {
        var until = rule.Until;
        return new RecurrenceRule(
            rule.ToString() ?? string.Empty,
            rule.Count,
            until is null ? null : until.HasTime ? new DateTimeOffset(until.AsUtc, TimeSpan.Zero) : new DateTimeOffset(until.Date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            until is { HasTime: false });
    }
}
