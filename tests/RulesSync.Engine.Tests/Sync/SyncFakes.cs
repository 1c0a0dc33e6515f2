using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>A hand-written policy for tests: a function of the facts; records every fact set it saw.</summary>
internal sealed class FuncPolicy(Func<ChangeFacts, (DecisionAction Action, DecisionTarget Target)> decide) : IDecisionPolicy
{
    public List<ChangeFacts> Seen { get; } = [];

    public string Hash => "test";

    public Decision Decide(in ChangeFacts facts)
    {
        Seen.Add(facts);
        var (action, target) = decide(facts);
        return new Decision(action, Decision.Resolve(target, facts.Source), "test-rule", Hash, "test");
    }
}

/// <summary>A minimal in-memory mailbox behind <see cref="IMailboxPort"/>: a change log of items.</summary>
internal sealed class FakeMailbox(string owner, Provider provider = Provider.Exchange) : IMailboxPort
{
    private readonly List<(long Seq, MailboxItem Item)> _log = [];
    private int _ids;

    public Provider Provider => provider;

    public Dictionary<string, MailboxItem> Live { get; } = [];

    public int Writes { get; private set; }

    public void Put(MailboxItem item)
    {
        _log.Add((_log.Count + 1, item));
        if (item.Removed)
        {
            Live.Remove(item.EventId);
        }
        else
        {
            Live[item.EventId] = item;
        }
    }

    public MailboxItem Invite(string uid, bool organizer, string subject = "Review")
    {
        _ids++;
        var item = new MailboxItem($"{owner}-ev{_ids}", "1", new MeetingUid(uid), organizer, organizer ? owner : "A",
            [new MeetingAttendee("B", true, AttendeeResponse.None), new MeetingAttendee("x@ext", false, AttendeeResponse.None)],
            false, subject, T0, T0.AddHours(1), MeetingType.Appointment, AttendeeResponse.None, false);
        Put(item);
        return item;
    }

    public static DateTimeOffset T0 { get; } = new(2026, 3, 9, 10, 0, 0, TimeSpan.Zero);

    public ValueTask<MailboxPage> ReadChangesAsync(MailboxCursor cursor, CancellationToken cancellationToken = default)
    {
        var position = cursor.IsStart ? 0 : long.Parse(cursor.Token!, System.Globalization.CultureInfo.InvariantCulture);
        return new(new MailboxPage(
            [.. _log.Where(l => l.Seq > position).GroupBy(l => l.Item.EventId).Select(g => g.Last().Item)],
            new MailboxCursor(_log.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    public List<string> CreateKeys { get; } = [];

    public ValueTask<MailboxWrite> CreateEventAsync(MeetingContent content, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        CreateKeys.Add(idempotencyKey);
        _ids++;
        Writes++;
        var item = new MailboxItem($"{owner}-ev{_ids}", "1", content.Uid, true, owner, [.. content.Attendees.Select(a => new MeetingAttendee(a, a.Length == 1, AttendeeResponse.None))],
            content.Cancelled, content.Subject, content.Start, content.End, content.Type, AttendeeResponse.Accepted, false);
        Put(item);
        return new(new MailboxWrite(item.EventId, item.ChangeKey, item));
    }

    public ValueTask<MailboxWrite> UpdateEventAsync(string eventId, MeetingContent content, CancellationToken cancellationToken = default) =>
        new(Bump(eventId, i => i with { Subject = content.Subject, Start = content.Start, End = content.End }));

    public ValueTask<MailboxWrite> CancelEventAsync(string eventId, CancellationToken cancellationToken = default) => new(Bump(eventId, i => i with { Cancelled = true }));

    public ValueTask DeleteEventAsync(string eventId, CancellationToken cancellationToken = default)
    {
        Writes++;
        Put(Live[eventId] with { Removed = true });
        return ValueTask.CompletedTask;
    }

    private MailboxWrite Bump(string eventId, Func<MailboxItem, MailboxItem> change)
    {
        Writes++;
        var old = Live[eventId];
        var item = change(old) with { ChangeKey = (int.Parse(old.ChangeKey, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        Put(item);
        return new MailboxWrite(eventId, item.ChangeKey, item);
    }
}

/// <summary>A minimal in-memory CRM behind <see cref="ICrmPort"/>; deletions vanish from polls and from ids.</summary>
internal sealed class FakeCrm(ApiVersion dialect) : ICrmPort
{
    private readonly List<(long Seq, CrmRecord Record)> _log = [];
    private int _ids;

    public ApiVersion Dialect => dialect;

    public Dictionary<string, CrmRecord> Live { get; } = [];

    public int Writes { get; private set; }

    public CrmRecord Put(CrmRecord r)
    {
        r = dialect == ApiVersion.V1 ? r with { Uid = null } : r;
        _log.Add((_log.Count + 1, r));
        Live[r.ObjectId] = r;
        return r;
    }

    public CrmRecord Seed(string? uid, string? groupwareItemId, string owner = "A")
    {
        _ids++;
        return Put(new CrmRecord($"R{_ids}", "W/1", uid is null ? null : new MeetingUid(uid), groupwareItemId, "Review", FakeMailbox.T0, FakeMailbox.T0.AddHours(1), CrmStatus.Open, owner, "A",
            [new CrmParty("A", PartyRole.Organizer), new CrmParty("B", PartyRole.Attendee), new CrmParty("x@ext", PartyRole.Contact)], MeetingType.Appointment));
    }

    public void Remove(string objectId) => Live.Remove(objectId);

    /// <summary>Runs before each write to an existing record: a test changes the record "meanwhile" here.</summary>
    public Action<string>? BeforeWrite { get; set; }

    public ValueTask<CrmChangePage> ReadChangesAsync(CrmWatermark since, CancellationToken cancellationToken = default) =>
        new(new CrmChangePage([.. _log.Where(l => l.Seq > since.Value && Live.ContainsKey(l.Record.ObjectId)).GroupBy(l => l.Record.ObjectId).Select(g => g.Last().Record)], new CrmWatermark(_log.Count)));

    /// <summary>List the ids in descending order (a port whose listing is not sorted).</summary>
    public bool ListIdsUnsorted { get; set; }

    public ValueTask<ImmutableArray<string>> ListIdsAsync(CancellationToken cancellationToken = default) =>
        new(ListIdsUnsorted ? [.. Live.Keys.OrderDescending(StringComparer.Ordinal)] : [.. Live.Keys.Order(StringComparer.Ordinal)]);

    public ValueTask<CrmWrite> CreateAsync(MeetingContent content, string owner, string groupwareItemId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        Writes++;
        _ids++;
        return new(new CrmWrite(Put(new CrmRecord($"R{_ids}", "W/1", content.Uid, groupwareItemId, content.Subject, content.Start, content.End, CrmStatus.Open, owner, content.Organizer,
            [new CrmParty(content.Organizer, PartyRole.Organizer), .. content.Attendees.Where(a => a != content.Organizer).Select(a => new CrmParty(a, a.Length == 1 ? PartyRole.Attendee : PartyRole.Contact))], content.Type))));
    }

    public ValueTask<CrmWrite> UpdateAsync(string objectId, string ifMatch, MeetingContent content, string? relinkTo, CancellationToken cancellationToken = default) =>
        Bump(objectId, ifMatch, r => r with { Subject = content.Subject, Start = content.Start, End = content.End, GroupwareItemId = relinkTo ?? r.GroupwareItemId, Status = content.Cancelled ? CrmStatus.Cancelled : CrmStatus.Open });

    public ValueTask<CrmWrite> CancelAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default) =>
        Bump(objectId, ifMatch, r => r with { Status = CrmStatus.Cancelled });

    public ValueTask DeleteAsync(string objectId, string ifMatch, CancellationToken cancellationToken = default)
    {
        Check(objectId, ifMatch);
        Writes++;
        Live.Remove(objectId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Changes a record as someone else would: a new version.</summary>
    public CrmRecord Touch(string objectId, Func<CrmRecord, CrmRecord> change)
    {
        var old = Live[objectId];
        var version = int.Parse(old.ETag.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture) + 1;
        return Put(change(old) with { ETag = "W/" + version.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    private void Check(string objectId, string ifMatch)
    {
        BeforeWrite?.Invoke(objectId);
        if (!Live.TryGetValue(objectId, out var now))
        {
            throw new CrmConflictException(objectId, null);
        }

        if (now.ETag != ifMatch)
        {
            throw new CrmConflictException(objectId, now);
        }
    }

    private ValueTask<CrmWrite> Bump(string objectId, string ifMatch, Func<CrmRecord, CrmRecord> change)
    {
        Check(objectId, ifMatch);
        Writes++;
        var old = Live[objectId];
        var version = int.Parse(old.ETag.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture) + 1;
        return new(new CrmWrite(Put(change(old) with { ETag = "W/" + version.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
    }
}
