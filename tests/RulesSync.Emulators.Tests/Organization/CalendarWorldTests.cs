using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Organization;

/// <summary>The meeting model behind Graph and Google: invariants under random moves.</summary>
public sealed class CalendarWorldTests
{
    private static readonly string[] People = [Alice, Bob, Carol, Dave, External];

    /// <summary>One move: Kind 0 schedule, 1 organizer cancels, 2 attendee responds, 3 attendee removes copy.</summary>
    public sealed record Move(int Kind, int A, int B, int C);

    public static class Arbitraries
    {
        public static Arbitrary<Move[]> Moves() =>
            (from n in Gen.Choose(0, 25)
             from moves in Gen.ArrayOf(
                 from kind in Gen.Choose(0, 3)
                 from a in Gen.Choose(0, 15)
                 from b in Gen.Choose(0, 15)
                 from c in Gen.Choose(0, 5)
                 select new Move(kind, a, b, c), n)
             select moves).ToArbitrary();
    }

    private static CalendarWorld NewWorld() => new(OrganizationSeed.Default, new FakeTimeProvider(Epoch), idSeed: 7);

    private static void Apply(CalendarWorld world, Move move, List<string> uids, Func<Move, Notify> notifyFor)
    {
        var day = Epoch.AddDays(move.A % 5);
        switch (move.Kind)
        {
            case 0:
                var organizer = People[move.A % 4];
                var attendees = People.Where((p, i) => (move.B & (1 << i)) != 0 && p != organizer).Select(p => (p, "required")).ToList();
                var provider = world.Find(organizer)!.Provider;
                var notify = provider == CalendarProvider.Exchange ? Notify.All : notifyFor(move);
                uids.Add(world.Create(organizer, new MeetingDraft("m", day, day.AddHours(1), [.. attendees.Select(a => a.p)]), attendees, notify).ICalUid);
                break;
            case 1 when uids.Count > 0:
                var uid = uids[move.A % uids.Count];
                var master = world.Employees.SelectMany(e => world.Items(e.Email)).FirstOrDefault(i => i.ICalUid == uid && i.IsOrganizer && !i.Deleted);
                if (master is not null)
                {
                    world.CancelByOrganizer(master, master.Provider == CalendarProvider.Exchange ? Notify.All : notifyFor(move), null);
                }

                break;
            case 2 or 3 when uids.Count > 0:
                var copy = world.Items(People[move.B % 4]).FirstOrDefault(i => i.ICalUid == uids[move.A % uids.Count] && !i.Deleted && !i.IsOrganizer);
                if (copy is not null && move.Kind == 2)
                {
                    world.Respond(copy, (AttendeeResponse)(2 + (move.C % 3)), sendMessage: move.C % 2 == 0, null);
                }
                else if (copy is not null)
                {
                    world.RemoveCopy(copy);
                }

                break;
        }
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(Arbitraries)])]
    public bool AnyMoves_IdsUniqueAndAtMostOneLiveCopyPerUidPerMailbox(Move[] moves)
    {
        var world = NewWorld();
        var uids = new List<string>();
        foreach (var move in moves)
        {
            Apply(world, move, uids, m => (Notify)(m.C % 3));
            var items = world.Employees.SelectMany(e => world.Items(e.Email)).ToList();
            if (items.Select(i => i.Id).Distinct().Count() != items.Count)
            {
                return false;
            }

            if (items.Where(i => !i.Deleted).GroupBy(i => (i.Mailbox, i.ICalUid)).Any(g => g.Count() > 1))
            {
                return false;
            }

            // Every live attendee copy points at a UID some organizer created.
            if (items.Where(i => !i.Deleted).Any(i => !uids.Contains(i.ICalUid)))
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(Arbitraries)])]
    public bool GoogleOrganizersWithSendUpdatesNone_NobodyIsMailedAndExchangeNeverSeesThem(Move[] moves)
    {
        var world = NewWorld();
        var uids = new List<string>();
        foreach (var move in moves)
        {
            // Only Google organizers (Carol, Dave), never sending.
            var googleOnly = move with { A = 2 + (move.A % 2) };
            Apply(world, move.Kind == 0 ? googleOnly : move, uids, _ => Notify.None);
        }

        var responses = world.Messages.Where(m => m.Kind == MessageKind.Response);
        return world.Messages.All(m => m.Kind == MessageKind.Response)
            && responses.All(m => m.To is Carol or Dave)
            && !world.Items(Alice).Any() && !world.Items(Bob).Any();
    }

    [Fact]
    public void Create_SameSeedSameMoves_SameIds()
    {
        string[] Run()
        {
            var world = NewWorld();
            var m = world.Create(Alice, new MeetingDraft("m", Epoch, Epoch.AddHours(1), [Bob, Carol]), [(Bob, "required"), (Carol, "required")], Notify.All);
            return [m.Id, m.ICalUid, .. world.Items(Bob).Select(i => i.Id), .. world.Items(Carol).Select(i => i.Id)];
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Messages_RecordSenderRecipientAndFakeTime()
    {
        var time = new FakeTimeProvider(Epoch);
        var world = new CalendarWorld(OrganizationSeed.Default, time, 1);
        var master = world.Create(Alice, new MeetingDraft("m", Epoch, Epoch.AddHours(1), [External]), [(External, "required")], Notify.All);
        time.Advance(TimeSpan.FromMinutes(5));

        world.CancelByOrganizer(master, Notify.All, "sorry");

        Assert.Equal(
            [(MessageKind.Invitation, Epoch, (string?)null), (MessageKind.Cancellation, Epoch.AddMinutes(5), "sorry")],
            world.Messages.Select(m => (m.Kind, m.SentAt, m.Detail)));
        Assert.All(world.Messages, m => Assert.Equal((Alice, External, master.ICalUid), (m.From, m.To, m.ICalUid)));
    }
}
