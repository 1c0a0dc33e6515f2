using System.Globalization;
using System.Text.Json.Nodes;
using Ical.Net;
using Ical.Net.DataTypes;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// Graph's <c>patternedRecurrence</c> (https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence:
/// a <c>recurrencePattern</c> and a <c>recurrenceRange</c>) read into an RRULE for expansion, and written back from one.
/// Pattern types: daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly; range types:
/// endDate (inclusive, in the recurrence's time zone), numbered, noEnd.
/// </summary>
internal static class GraphRecurrence
{
    private static readonly string[] Indexes = ["first", "second", "third", "fourth"];

    /// <summary>
    /// The series pattern for an event whose start is in <paramref name="zone"/>; null (and a message, unless there is
    /// no recurrence at all) for a malformed recurrence.
    /// </summary>
    public static SeriesPattern? Read(JsonNode? node, string zone, bool isAllDay, out string? error)
    {
        error = null;
        if (node is not JsonObject recurrence)
        {
            return null;
        }

        var pattern = recurrence["pattern"];
        var range = recurrence["range"];
        var type = pattern?["type"]?.GetValue<string>();
        var interval = pattern?["interval"]?.GetValue<int>() ?? 1;
        if (interval < 1)
        {
            error = "Recurrence pattern interval must be at least 1.";
            return null;
        }

        var days = (pattern?["daysOfWeek"] as JsonArray)?.Select(d => Day(d?.GetValue<string>())).ToList() ?? [];
        if (days.Any(d => d is null))
        {
            error = "Recurrence pattern daysOfWeek has an unknown day.";
            return null;
        }

        var byDay = string.Join(',', days);
        var position = pattern?["index"]?.GetValue<string>() is { } index ? (index == "last" ? -1 : Array.IndexOf(Indexes, index) + 1) : 1;
        var dayOfMonth = pattern?["dayOfMonth"]?.GetValue<int>() ?? 0;
        var month = pattern?["month"]?.GetValue<int>() ?? 0;
        string? rule = type switch
        {
            "daily" => "FREQ=DAILY",
            "weekly" when days.Count > 0 => $"FREQ=WEEKLY;BYDAY={byDay};WKST={Day(pattern?["firstDayOfWeek"]?.GetValue<string>() ?? "sunday")}",
            "absoluteMonthly" when dayOfMonth is >= 1 and <= 31 => $"FREQ=MONTHLY;BYMONTHDAY={dayOfMonth}",
            "relativeMonthly" when days.Count > 0 && position != 0 => $"FREQ=MONTHLY;BYDAY={byDay};BYSETPOS={position}",
            "absoluteYearly" when dayOfMonth is >= 1 and <= 31 && month is >= 1 and <= 12 => $"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={dayOfMonth}",
            "relativeYearly" when days.Count > 0 && month is >= 1 and <= 12 && position != 0 => $"FREQ=YEARLY;BYMONTH={month};BYDAY={byDay};BYSETPOS={position}",
            _ => null,
        };
        if (rule is null)
        {
            error = $"Recurrence pattern type '{type}' is missing or lacks the properties it requires.";
            return null;
        }

        rule += ";INTERVAL=" + interval.ToString(CultureInfo.InvariantCulture);
        switch (range?["type"]?.GetValue<string>())
        {
            case "numbered" when range["numberOfOccurrences"]?.GetValue<int>() is int count and > 0:
                rule += ";COUNT=" + count.ToString(CultureInfo.InvariantCulture);
                break;
            case "endDate" when DateOnly.TryParse(range["endDate"]?.GetValue<string>(), CultureInfo.InvariantCulture, out var endDate):
                var rangeZone = range["recurrenceTimeZone"]?.GetValue<string>() is { Length: > 0 } z ? z : zone;
                rule += ";UNTIL=" + (isAllDay
                    ? endDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
                    : new CalDateTime(endDate.AddDays(1).ToDateTime(TimeOnly.MinValue), rangeZone).AsUtc.AddSeconds(-1).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
                break;
            case "noEnd":
                break;
            default:
                error = "Recurrence range must be numbered (with numberOfOccurrences), endDate (with endDate) or noEnd.";
                return null;
        }

        if (SeriesPattern.TryCanonical(rule, out var reason) is not { } canonical)
        {
            error = "Invalid recurrence: " + reason;
            return null;
        }

        return new SeriesPattern(canonical, zone, isAllDay);
    }

    /// <summary>The <c>patternedRecurrence</c> of a series master.</summary>
    public static JsonObject Write(SeriesPattern series, DateTimeOffset start)
    {
        var rule = new RecurrencePattern(series.Rule);
        var local = series.IsAllDay ? DateOnly.FromDateTime(start.UtcDateTime) : DateOnly.FromDateTime(new CalDateTime(start.UtcDateTime, "UTC").ToTimeZone(series.TimeZone).Value);
        var days = new JsonArray([.. rule.ByDay.Select(d => (JsonNode)d.DayOfWeek.ToString().ToLowerInvariant())]);
        var position = rule.BySetPosition.FirstOrDefault();
        var index = position == -1 ? "last" : Indexes[Math.Clamp(position, 1, 4) - 1];
        var pattern = new JsonObject
        {
            ["type"] = rule.Frequency switch
            {
                FrequencyType.Daily => "daily",
                FrequencyType.Weekly => "weekly",
                FrequencyType.Monthly => rule.ByDay.Count > 0 ? "relativeMonthly" : "absoluteMonthly",
                _ => rule.ByDay.Count > 0 ? "relativeYearly" : "absoluteYearly",
            },
            ["interval"] = rule.Interval,
            ["month"] = rule.ByMonth.FirstOrDefault(),
            ["dayOfMonth"] = rule.ByMonthDay.FirstOrDefault(),
            ["daysOfWeek"] = days,
            ["firstDayOfWeek"] = rule.FirstDayOfWeek.ToString().ToLowerInvariant(),
            ["index"] = index,
        };
        var range = new JsonObject
        {
            ["type"] = rule.Count is not null ? "numbered" : rule.Until is not null ? "endDate" : "noEnd",
            ["startDate"] = local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["endDate"] = rule.Until is { } until
                ? (until.HasTime ? DateOnly.FromDateTime(until.ToTimeZone(series.TimeZone).Value) : until.Date).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : "0001-01-01",
            ["recurrenceTimeZone"] = series.TimeZone,
            ["numberOfOccurrences"] = rule.Count ?? 0,
        };
        return new JsonObject { ["pattern"] = pattern, ["range"] = range };
    }

    private static string? Day(string? name) => name?.ToLowerInvariant() switch
    {
        "sunday" => "SU",
        "monday" => "MO",
        "tuesday" => "TU",
        "wednesday" => "WE",
        "thursday" => "TH",
        "friday" => "FR",
        "saturday" => "SA",
        _ => null,
    };
}
