using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.State;

/// <summary>
/// What every state store promises (<see cref="IStateStore"/>), run against each: the LiteDB file
/// (<see cref="StateStoreTests"/>) and PostgreSQL (<see cref="PostgresStateStoreTests"/>).
/// </summary>
public abstract class StateStoreContract
{
    private const string Alice = "alice@contoso.example";

    /// <summary>A new, empty store (a tenant nobody else uses).</summary>
    internal abstract IStateStore NewStore();

    /// <summary>A second store over the same state as <paramref name="store"/> (another process, or the store after a restart).</summary>
    internal abstract IStateStore OpenAgain(IStateStore store);

    [Fact]
    public void Journal_SameEffectKeyTwice_KeepsTheFirstRowAndItsStatus()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var (first, _) = store.Journal(Decision(), [Effect("k1")]);
        store.MarkEffect("k1", EffectStatus.Applied, at: 5);

        var (second, rows) = store.Journal(Decision(), [Effect("k1"), Effect("k2")]);

        Assert.NotEqual(first, second);
        Assert.Equal([EffectStatus.Applied, EffectStatus.Planned], rows.Select(r => r.Status));
        Assert.Equal(first, store.Effect("k1")!.DecisionId);
        Assert.Equal(second, store.Effect("k2")!.DecisionId);
        Assert.Equal([first, second], store.DecisionsOfMeeting("uid-1").Select(d => d.Id));
        Assert.Equal(["k1", "k2"], store.DecisionsOfMeeting("uid-1")[1].Effects);
    }

    [Fact]
    public void CompleteDecision_SavesOutcomeAndProgressTogether()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var (id, _) = store.Journal(Decision(), [Effect("k1")]);
        var progress = MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("delta-42") };

        store.CompleteDecision(id, "completed", "Alice@Contoso.example", progress);

        Assert.Equal("completed", store.DecisionsOfMeeting("uid-1").Single().Outcome);
        Assert.Equal(progress.Cursor, store.SyncState(Alice).Cursor);
    }

    [Fact]
    public void CompleteDecision_WithoutProgress_KeepsTheSyncState()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") }, at: 1, milliseconds: 1);
        var (id, _) = store.Journal(Decision(), [Effect("k1")]);

        store.CompleteDecision(id, "superseded", Alice, progress: null);

        Assert.Equal("superseded", store.DecisionsOfMeeting("uid-1").Single().Outcome);
        Assert.Equal(new MailboxCursor("c1"), store.SyncState(Alice).Cursor);
    }

    [Fact]
    public void CompleteSync_KeepsOnlyTheLatestLatencySamples()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        store.UpdateMailbox(Alice, m => { m.Status = MailboxStatus.Failing; m.ConsecutiveFailures = 2; m.NextAttemptAt = 9; });
        var state = MailboxSyncState.Initial(Alice);

        for (var i = 0; i < StateStore.LatencySamples + 5; i++)
        {
            store.CompleteSync(Alice, state, at: i, milliseconds: i * 10);
        }

        var row = store.Mailbox(Alice)!;
        Assert.Equal(StateStore.LatencySamples, row.Latencies.Count);
        Assert.Equal(5, row.Latencies[0].At);
        Assert.Equal(StateStore.LatencySamples + 4, row.LastSyncAt);
        Assert.Equal((MailboxStatus.Active, 0, (long?)null), (row.Status, row.ConsecutiveFailures, row.NextAttemptAt));
    }

    [Fact]
    public void CompleteSync_BeforeWritePending_SeenByThisStoreNotByAnother()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var state = MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("delta-7") };

        store.CompleteSync(Alice, state, at: 9, milliseconds: 3);
        using (var other = OpenAgain(store))
        {
            // Another process does not see the waiting write yet: as after a crash before it.
            Assert.Null(other.Mailbox(Alice)!.LastSyncAt);
        }

        Assert.Equal(state.Cursor, store.SyncState(Alice).Cursor);
        Assert.Equal(9, store.Mailbox(Alice)!.LastSyncAt);
        store.WritePending();
        using var after = OpenAgain(store);
        Assert.Equal(state.Cursor, after.SyncState(Alice).Cursor);
        Assert.Equal([3L], after.Mailbox(Alice)!.Latencies.Select(l => l.Milliseconds));
    }

    [Fact]
    public void CompleteSync_ThenAJournalWrite_WrittenBeforeIt()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        store.CompleteSync(Alice, MailboxSyncState.Initial(Alice) with { Cursor = new MailboxCursor("c1") }, at: 4, milliseconds: 1);

        store.Journal(Decision(), [Effect("k1")]);

        using var other = OpenAgain(store);
        Assert.Equal((4L, new MailboxCursor("c1")), (other.Mailbox(Alice)!.LastSyncAt, other.SyncState(Alice).Cursor));
        Assert.Equal(["k1"], other.Effects(EffectStatus.Planned).Select(e => e.Id));
    }

    [Fact]
    public void CompleteSync_PendingLimitReached_WrittenWithoutWaitingForTheCycle()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var state = MailboxSyncState.Initial(Alice);

        for (var i = 0; i < PendingSyncs.Limit; i++)
        {
            // A new cursor each time: a store may leave the row of a sync that changed nothing as it is.
            store.CompleteSync(Alice, state with { Cursor = new MailboxCursor($"c{i}") }, at: i, milliseconds: 1);
        }

        using var other = OpenAgain(store);
        Assert.Equal(PendingSyncs.Limit - 1, other.Mailbox(Alice)!.LastSyncAt);
    }

    [Fact]
    public void CompleteSync_WithAttemptStart_SettlesOnlyThatMailboxsOlderPlannedEffects()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        store.EnsureMailbox("bob@contoso.example", "google");
        store.Journal(Decision(), [Effect("old")]);
        var newer = Effect("new");
        newer.CreatedAt = 50;
        var bobs = Effect("bob's");
        bobs.Mailbox = "bob@contoso.example";
        var applied = Effect("applied");
        store.Journal(Decision(), [newer, bobs, applied]);
        store.MarkEffect("applied", EffectStatus.Applied, at: 2);

        store.CompleteSync(Alice, MailboxSyncState.Initial(Alice), at: 60, milliseconds: 1, attemptStarted: 10);
        store.WritePending();

        using var other = OpenAgain(store);
        Assert.Equal((EffectStatus.Failed, MailboxLifecycle.InterruptedDetail, 60L), (other.Effect("old")!.Status, other.Effect("old")!.Detail, other.Effect("old")!.UpdatedAt));
        Assert.Equal(EffectStatus.Planned, other.Effect("new")!.Status);
        Assert.Equal(EffectStatus.Planned, other.Effect("bob's")!.Status);
        Assert.Equal(EffectStatus.Applied, other.Effect("applied")!.Status);
    }

    [Fact]
    public void EnsureMailboxes_NewAndKnown_ReturnsRowsInOrderAndCreatesOnlyTheNew()
    {
        using var store = NewStore();
        store.EnsureMailbox("Bob@contoso.example", "google");
        store.UpdateMailbox("bob@contoso.example", m => m.ConsecutiveFailures = 2);

        var rows = store.EnsureMailboxes([("carla@contoso.example", "exchange"), ("bob@contoso.example", "exchange")]);

        Assert.Equal(["carla@contoso.example", "bob@contoso.example"], rows.Select(r => r.Id));
        Assert.Equal((2, "google"), (rows[1].ConsecutiveFailures, rows[1].Provider));
        Assert.Equal(["bob@contoso.example", "carla@contoso.example"], store.Mailboxes().Select(m => m.Id));
    }

    [Fact]
    public void EnsureMailbox_Twice_KeepsTheFirstRowUnderTheLowerCaseKey()
    {
        using var store = NewStore();
        store.EnsureMailbox("Alice@Contoso.example", "exchange");
        store.UpdateMailbox(Alice, m => MailboxLifecycle.Suspend(m, "ops", "why", 3));

        var again = store.EnsureMailbox(Alice, "google");

        Assert.Equal((Alice, "exchange", MailboxStatus.Suspended, "ops"), (again.Id, again.Provider, again.Status, again.SuspendedBy));
        Assert.Equal([Alice], store.Mailboxes().Select(m => m.Id));
        Assert.Null(store.UpdateMailbox("nobody@contoso.example", m => m.LastError = "x"));
        Assert.Null(store.Mailbox("nobody@contoso.example"));
    }

    [Fact]
    public void SyncState_NeverSynced_IsTheInitialState()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");

        Assert.Equal(MailboxSyncState.Initial(Alice).Cursor, store.SyncState("ALICE@contoso.example").Cursor);
        Assert.Empty(store.SyncState(Alice).Events);
    }

    [Fact]
    public void UpdateTenant_ChangesAreKeptAndRead()
    {
        using var store = NewStore();

        store.UpdateTenant(t => MailboxLifecycle.KillSwitch(t, on: true, "ops", "incident", 7));
        store.UpdateTenant(t => { t.Cycles++; t.CrmQuarantine = ["Set('1'): Subject: too long"]; });

        var tenant = store.Tenant();
        Assert.Equal((true, "ops", "incident", 1L), (tenant.KillSwitch, tenant.KillSwitchBy, tenant.KillSwitchReason, tenant.Cycles));
        Assert.Equal(["Set('1'): Subject: too long"], tenant.CrmQuarantine);
    }

    [Fact]
    public void MarkEffect_Review_RecordsReviewerAndKeepsDetailWhenNoneGiven()
    {
        using var store = NewStore();
        var held = Effect("k1");
        held.Status = EffectStatus.Held;
        held.Detail = "mass change";
        store.Journal(Decision(), [held]);

        var approved = store.MarkEffect("k1", EffectStatus.Approved, at: 9, reviewedBy: "ops");

        Assert.Equal((EffectStatus.Approved, "mass change", "ops", 9L, 9L), (approved!.Status, approved.Detail, approved.ReviewedBy, approved.ReviewedAt, approved.UpdatedAt));
        Assert.Equal(EffectStatus.Approved, store.Effect("k1")!.Status);
        Assert.Empty(store.Effects(EffectStatus.Held));
        Assert.Null(store.MarkEffect("nope", EffectStatus.Applied, at: 1));
    }

    [Fact]
    public void Effects_ByStatusAndMailbox_OldestFirst()
    {
        using var store = NewStore();
        var late = Effect("a-late");
        late.CreatedAt = 5;
        var bob = Effect("b-bob");
        bob.Mailbox = "bob@contoso.example";
        store.Journal(Decision(), [late, Effect("z-early"), bob]);

        Assert.Equal(["b-bob", "z-early", "a-late"], store.Effects(EffectStatus.Planned).Select(e => e.Id));
        Assert.Equal(["z-early", "a-late"], store.Effects(EffectStatus.Planned, "ALICE@contoso.example").Select(e => e.Id));
        Assert.Empty(store.Effects(EffectStatus.Failed));
    }

    [Fact]
    public void OwnRemoval_OnlyWritesThatMayHaveHappened_AndNotTheSameDecision()
    {
        using var store = NewStore();
        var held = Removal("held/1", "e1", EffectStatus.Held);
        var discarded = Removal("discarded/1", "e1", EffectStatus.Discarded);
        var sameDecision = Removal("change-9/1", "e1", EffectStatus.Planned);
        store.Journal(Decision(), [held, discarded, sameDecision]);

        Assert.Null(store.OwnRemoval("e1", meetingKey: null, exceptPrefix: "change-9/"));

        var failed = Removal("earlier/1", "e1", EffectStatus.Failed);
        store.Journal(Decision(), [failed]);
        Assert.Equal("earlier/1", store.OwnRemoval("e1", meetingKey: null, exceptPrefix: "change-9/")!.Id);
    }

    [Fact]
    public void OwnRemoval_CancellationOfTheMeeting_ExplainsAnAttendeeCopy()
    {
        using var store = NewStore();
        var cancel = Removal("cancel/1", "organizer-event", EffectStatus.Applied);
        cancel.Kind = nameof(CancelEvent);
        store.Journal(Decision(), [cancel]);

        Assert.Equal("cancel/1", store.OwnRemoval("attendee-copy", "uid-1", exceptPrefix: "x/")!.Id);
        Assert.Null(store.OwnRemoval("attendee-copy", meetingKey: null, exceptPrefix: "x/"));
        Assert.Null(store.OwnRemoval("attendee-copy", "uid-2", exceptPrefix: "x/"));
    }

    [Fact]
    public void Decisions_ByTimeRange_CountedAndOrdered()
    {
        using var store = NewStore();
        foreach (var at in new long[] { 10, 20, 30 })
        {
            var d = Decision();
            d.At = at;
            store.Journal(d, []);
        }

        Assert.Equal([10L, 20L], store.Decisions(10, 30).Select(d => d.At));
        Assert.Equal(3, store.DecisionCount());
    }

    [Fact]
    public void Shadow_NewestFirst_UpToTheLimit()
    {
        using var store = NewStore();
        foreach (var change in new[] { "c1", "c2", "c3" })
        {
            store.RecordShadow(new ShadowRow { At = 1, Mailbox = Alice, ChangeId = change, Live = "share", Candidate = "ignore" });
        }

        Assert.Equal(["c3", "c2"], store.Shadow(2).Select(s => s.ChangeId));
    }

    [Fact]
    public void Journal_MeetingFenceOlderThanTheNewest_IsRefusedAndWritesNothing()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var newer = Decision();
        newer.MeetingFence = 7;
        store.Journal(newer, [Effect("k1")]);
        var stale = Decision();
        stale.MeetingFence = 6;

        var refused = Assert.Throws<FencedOffException>(() => store.Journal(stale, [Effect("k2")]));

        Assert.Equal(6, refused.Token);
        Assert.Equal(7, refused.Current);
        Assert.Null(store.Effect("k2"));
        Assert.Equal([7L], store.DecisionsOfMeeting("uid-1").Select(d => d.MeetingFence));
    }

    [Fact]
    public void Journal_SameOrNewerMeetingFenceOrNone_IsJournaled()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        long?[] fences = [3, 3, 5, null];
        foreach (var fence in fences)
        {
            var d = Decision();
            d.MeetingFence = fence;
            store.Journal(d, []);
        }

        Assert.Equal(fences, store.DecisionsOfMeeting("uid-1").Select(d => d.MeetingFence));
    }

    [Fact]
    public void Journal_ManyWritersAtOnce_EachWriteSeenByAnotherStoreWhenItReturns()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        using var other = OpenAgain(store);
        const int Writers = 8;
        const int Each = 5;
        using var start = new Barrier(Writers);
        var missing = new System.Collections.Concurrent.ConcurrentBag<string>();
        var ids = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();

        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, w =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Each; i++)
            {
                var key = $"w{w}-{i}";
                var (id, _) = store.Journal(Decision(), [Effect(key)]);
                ids[key] = id;
                // Returned: durable, so another process (a restart) sees it now.
                if (other.Effect(key)?.DecisionId != id)
                {
                    missing.Add(key);
                }
            }
        });

        Assert.Empty(missing);
        Assert.Equal(Writers * Each, ids.Values.Distinct().Count());
        Assert.Equal(ids.Values.Order(), other.DecisionsOfMeeting("uid-1").Select(d => d.Id).Order());
    }

    [Fact]
    public void Journal_FencedOffAmongWritersAtOnce_OnlyItsCallerFailsAndTheOthersAreJournaled()
    {
        using var store = NewStore();
        store.EnsureMailbox(Alice, "exchange");
        var newer = Decision();
        newer.MeetingFence = 7;
        store.Journal(newer, [Effect("k0")]);
        const int Writers = 6;
        using var start = new Barrier(Writers);
        var outcomes = new string[Writers];

        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, w =>
        {
            var d = Decision();
            d.MeetingFence = w == 0 ? 6 : 7;
            start.SignalAndWait();
            try
            {
                store.Journal(d, [Effect($"k{w + 1}")]);
                outcomes[w] = "journaled";
            }
            catch (FencedOffException)
            {
                outcomes[w] = "fenced off";
            }
        });

        Assert.Equal(["fenced off", .. Enumerable.Repeat("journaled", Writers - 1)], outcomes);
        using var other = OpenAgain(store);
        Assert.Null(other.Effect("k1"));
        Assert.All(Enumerable.Range(2, Writers - 1), k => Assert.Equal(EffectStatus.Planned, other.Effect($"k{k}")?.Status));
        Assert.Equal(Writers, other.DecisionsOfMeeting("uid-1").Count);
    }

    internal static DecisionRow Decision() => new()
    {
        At = 1,
        Mailbox = Alice,
        MeetingKey = "uid-1",
        ChangeId = "mailbox:e1@ck:modified",
        Action = "share",
        Rule = "r",
    };

    internal static EffectRow Effect(string key) => new()
    {
        Id = key,
        IdempotencyKey = key,
        Mailbox = Alice,
        MeetingKey = "uid-1",
        Kind = "LinkReplica",
        Status = EffectStatus.Planned,
        CreatedAt = 1,
    };

    private static EffectRow Removal(string key, string replica, EffectStatus status)
    {
        var e = Effect(key);
        e.Kind = nameof(DeleteEvent);
        e.Replica = replica;
        e.Destructive = true;
        e.Status = status;
        return e;
    }
}
