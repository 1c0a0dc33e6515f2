namespace RulesSync.Runner.Tests.Cluster;

/// <summary>Waits on another party (a paused grain, a kill, the cluster's verdict) that end within a bound or fail the test saying what was awaited.</summary>
internal static class Bounded
{
    /// <summary>How long a cluster test waits for another party before it fails.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>Awaits <paramref name="task"/> at most <see cref="Bound"/>; past it the test fails naming what it waited for.</summary>
    public static async Task Within(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"waited {Bound} for {what}; it did not happen");
        }
    }

    /// <inheritdoc cref="Within(Task, string)"/>
    public static async Task<T> Within<T>(Task<T> task, string what)
    {
        await Within((Task)task, what);
        return await task;
    }

    /// <summary>Polls <paramref name="condition"/> (every 100 ms) until it holds, at most <see cref="Bound"/>.</summary>
    public static Task Until(Func<Task<bool>> condition, string what) =>
        Within(
            Task.Run(async () =>
            {
                while (!await condition())
                {
                    await Task.Delay(100);
                }
            }),
            what);
}
