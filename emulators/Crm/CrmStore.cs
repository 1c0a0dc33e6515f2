using System.Globalization;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Crm;

/// <summary>
/// Appointments and visits, in creation order. Change times are strictly increasing (at least
/// 1 ms apart even when a fake clock stands still), so ETags and change polls tell changes apart.
/// </summary>
internal sealed class CrmStore(TimeProvider time, int seed)
{
    private readonly List<string> order = [];
    private readonly Dictionary<string, CrmActivity> activities = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> csrfTokens = new(StringComparer.Ordinal);
    private readonly DeterministicIds ids = new(seed);
    private DateTimeOffset lastChange = DateTimeOffset.MinValue;
    private long nextId = 1000;

    public Lock Gate { get; } = new();

    /// <summary>Per record, a change to its JSON as served (tests feed malformed shapes through it).</summary>
    public Dictionary<string, Action<System.Text.Json.Nodes.JsonObject>> Tampered { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether writes need a CSRF token (C4C: yes; stock SAP CAP: no token is ever handed out).</summary>
    public bool CsrfProtection { get; set; } = true;

    public IEnumerable<CrmActivity> All(CrmActivityKind kind) =>
        order.Select(id => activities[id]).Where(a => a.Kind == kind);

    public CrmActivity? Get(CrmActivityKind kind, string objectId) =>
        activities.TryGetValue(objectId, out var a) && a.Kind == kind ? a : null;

    public CrmActivity Add(CrmActivityDraft draft)
    {
        var now = NextChangeTime();
        var activity = new CrmActivity(
            ids.Hex("crm-object", 16),
            (nextId++).ToString(CultureInfo.InvariantCulture),
            draft.Kind,
            draft.Subject,
            draft.Start,
            draft.End,
            draft.OrganizerPartyID,
            draft.OrganizerEmail,
            draft.OwnerPartyID,
            draft.LifeCycleStatusCode,
            draft.GroupwareItemID,
            draft.ICalUid,
            draft.Parties,
            now,
            now)
        {
            StartTimeZoneCode = draft.StartTimeZoneCode,
            EndTimeZoneCode = draft.EndTimeZoneCode,
        };
        activities[activity.ObjectID] = activity;
        order.Add(activity.ObjectID);
        return activity;
    }

    public CrmActivity Replace(CrmActivity changed)
    {
        var stamped = changed with { LastChangeDateTime = NextChangeTime() };
        activities[stamped.ObjectID] = stamped;
        return stamped;
    }

    /// <summary>The record vanishes: a change poll has nothing to report.</summary>
    public bool Remove(string objectId)
    {
        order.Remove(objectId);
        return activities.Remove(objectId);
    }

    public string IssueCsrfToken()
    {
        var token = DeterministicIds.Base64Url(ids.NextBytes("csrf").AsSpan(0, 18));
        csrfTokens.Add(token);
        return token;
    }

    public bool IsValidCsrfToken(string? token) => token is not null && csrfTokens.Contains(token);

    public void ExpireCsrfTokens() => csrfTokens.Clear();

    private DateTimeOffset NextChangeTime()
    {
        var now = time.GetUtcNow();
        lastChange = now > lastChange.AddMilliseconds(1) ? TruncateToMilliseconds(now) : lastChange.AddMilliseconds(1);
        return lastChange;
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
