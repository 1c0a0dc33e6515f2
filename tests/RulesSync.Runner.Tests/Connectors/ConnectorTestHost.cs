using Microsoft.Extensions.Time.Testing;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Tests.Connectors;

/// <summary>
/// An emulator host on a fake clock shared with the connectors, and the captured logs. The one time driver of the
/// connector tests: a retry is awaited through its log line (written after its timer exists) and then the clock is
/// advanced by exactly the logged delay — no sleeping.
/// </summary>
internal sealed class ConnectorTestHost : IAsyncDisposable
{
    public const string Alice = "alice@contoso.example";
    public const string Bob = "bob@contoso.example";
    public const string Carol = "carol@contoso.example";
    public const string Dave = "dave@contoso.example";
    public const string External = "erin@fabrikam.example";
    public const string Domain = "contoso.example";

    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    private ConnectorTestHost(EmulatorHost host, FakeTimeProvider time)
    {
        Host = host;
        Time = time;
    }

    public EmulatorHost Host { get; }

    public FakeTimeProvider Time { get; }

    public CapturedLogs Logs { get; } = new();

    public EmulatedOrganization Organization => Host.Organization;

    public static async Task<ConnectorTestHost> StartAsync(EmulatorOptions? options = null)
    {
        var time = new FakeTimeProvider(Epoch);
        var host = await EmulatorHost.StartAsync((options ?? new EmulatorOptions()) with { TimeProvider = time });
        return new ConnectorTestHost(host, time);
    }

    public static MeetingDraft Draft(string subject, int day, params string[] attendees) =>
        new(subject, Epoch.AddDays(day).AddHours(1), Epoch.AddDays(day).AddHours(2), attendees);

    /// <summary>Waits for the connector to schedule a retry, checks nothing completed early, advances by the delay.</summary>
    public async Task<TimeSpan> AdvanceThroughRetryAsync(Task operation)
    {
        var entry = await Logs.NextAsync(ConnectorLogEvents.RetryScheduled);
        Assert.False(operation.IsCompleted, "the operation finished before its retry delay elapsed");
        if (entry.Delay > TimeSpan.FromTicks(1))
        {
            Time.Advance(entry.Delay - TimeSpan.FromTicks(1));
            await Task.Yield();
            Assert.False(operation.IsCompleted, "the operation did not wait the whole retry delay");
        }

        Time.Advance(TimeSpan.FromTicks(1));
        return entry.Delay;
    }

    /// <summary>Drives an operation whose attempts may be retried (any number of times) to completion.</summary>
    public async Task<T> CompleteWithRetriesAsync<T>(Task<T> operation, List<TimeSpan>? delays = null)
    {
        while (true)
        {
            var retry = Logs.AvailableAsync(ConnectorLogEvents.RetryScheduled);
            var done = await Task.WhenAny(operation, retry);
            if (done == operation)
            {
                return await operation;
            }

            var entry = Logs.Take(ConnectorLogEvents.RetryScheduled);
            delays?.Add(entry.Delay);
            Time.Advance(entry.Delay);
        }
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
