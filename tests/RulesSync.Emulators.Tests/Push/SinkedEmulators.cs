using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;

namespace RulesSync.Emulators.Tests.Push;

/// <summary>The push tests' setup: an emulator host on a fake clock and a <see cref="WebhookSink"/> for its notifications.</summary>
public abstract class SinkedEmulators : IAsyncLifetime
{
    private protected TestHost T { get; private set; } = null!;

    private protected WebhookSink Sink { get; set; } = null!;

    public virtual async Task InitializeAsync()
    {
        T = await TestHost.StartAsync();
        Sink = await WebhookSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Sink.DisposeAsync();
        await T.DisposeAsync();
    }

    /// <summary>A meeting with an external attendee, a day after the epoch: one change in the organizer's calendar.</summary>
    private protected static MeetingDraft Draft(string subject) =>
        new(subject, TestHost.Epoch.AddDays(1), TestHost.Epoch.AddDays(1).AddHours(1), [TestHost.External]);
}
