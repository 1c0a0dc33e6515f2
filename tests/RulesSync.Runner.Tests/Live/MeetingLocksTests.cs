using RulesSync.Runner.Live;

namespace RulesSync.Runner.Tests.Live;

public sealed class MeetingLocksTests
{
    [Fact]
    public async Task EnterAsync_SameMeeting_WaitsForTheHolder()
    {
        var locks = new MeetingLocks();
        var first = await locks.EnterAsync("uid-1", CancellationToken.None);

        var second = locks.EnterAsync("uid-1", CancellationToken.None).AsTask();
        await Task.Yield();
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using var held = await second;
        Assert.Equal(1, locks.Count);
    }

    [Fact]
    public async Task EnterAsync_OtherMeeting_DoesNotWait()
    {
        var locks = new MeetingLocks();
        await using var first = await locks.EnterAsync("uid-1", CancellationToken.None);

        var other = locks.EnterAsync("uid-2", CancellationToken.None);

        Assert.True(other.IsCompleted);
        await (await other).DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_LastHolder_ForgetsTheMeeting()
    {
        var locks = new MeetingLocks();
        var held = await locks.EnterAsync("uid-1", CancellationToken.None);

        await held.DisposeAsync();
        await held.DisposeAsync();

        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesNoEntryBehind()
    {
        var locks = new MeetingLocks();
        var first = await locks.EnterAsync("uid-1", CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.EnterAsync("uid-1", cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await first.DisposeAsync();

        Assert.Equal(0, locks.Count);
    }
}
