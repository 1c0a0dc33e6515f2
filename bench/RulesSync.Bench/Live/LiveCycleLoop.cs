using System.Diagnostics;
using System.Globalization;

namespace RulesSync.Bench.Live;

/// <summary>
/// <c>live-cycles [cycles] [--initial]</c>: the world of <see cref="LiveCycleBenchmarks"/> outside BenchmarkDotNet, so a
/// profiler (dotnet-trace, dotnet-counters) can attach to one long-lived process. Times the initial sync, settles,
/// then runs <c>cycles</c> no-change cycles, printing per cycle the wall time, the bytes allocated and the working set
/// after a full collection.
/// </summary>
internal static class LiveCycleLoop
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        await using var world = await LiveWorld.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"pid {Environment.ProcessId}; {world.Mailboxes.Count} mailboxes, {world.Events} events");
        world.Host.Counters.Reset();
        var clock = Stopwatch.StartNew();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var report = await world.Runner.RunCycleAsync(CancellationToken.None).ConfigureAwait(false);
        var initial = clock.Elapsed.TotalSeconds;
        var requests = world.Host.Counters.Routes.Values.Sum();
        var initialLine = $"initial: {initial * 1000:F0} ms, {(GC.GetTotalAllocatedBytes(true) - allocated) / 1024 / 1024} MB allocated, {report.Decisions} decisions, {requests} requests = {requests / initial:F0} requests/s, {world.Events / initial:F0} events/s, {world.Store.GroupedWrites} store writes in {world.Store.Groups} transactions";
        Console.WriteLine(initialLine);
        for (var settle = 0; settle < 6 && report.Decisions > 0; settle++)
        {
            report = await world.Runner.RunCycleAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // The raw baseline once the world has settled (as in LiveCycleBenchmarks: the emulators' sign-in is set up by then).
        var raw = await RawAsync(world).ConfigureAwait(false);
        Console.WriteLine($"{initialLine}: {requests / initial / (world.Mailboxes.Count / raw):P1} of the raw request rate");
        for (var i = 1; i <= cycles; i++)
        {
            world.Host.Counters.Reset();
            var unchanged = world.Store.UnchangedSyncs;
            allocated = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            report = await world.Runner.RunCycleAsync(CancellationToken.None).ConfigureAwait(false);
            var ms = clock.Elapsed.TotalMilliseconds;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var self = Process.GetCurrentProcess();
            Console.WriteLine($"cycle {i}: {ms:F0} ms ({ms / 1000 / raw:F1}x the raw requests), {bytes / world.Mailboxes.Count / 1024.0:F1} KB/mailbox, {report.Decisions} decisions, {world.Store.UnchangedSyncs - unchanged} rows left as they were, {world.Host.Counters.Routes.Values.Sum()} requests, working set {self.WorkingSet64 / 1024 / 1024} MiB, managed heap {GC.GetTotalMemory(false) / 1024 / 1024} MiB");
        }

        await RawAsync(world).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The raw-request baseline of the same run, three times (the fastest counts): seconds for one request per mailbox.</summary>
    private static async Task<double> RawAsync(LiveWorld world)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await world.RawRequestsAsync(LiveCycleBenchmarks.Parallel).ConfigureAwait(false);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
            Console.WriteLine($"raw: {clock.Elapsed.TotalMilliseconds:F0} ms for {world.Mailboxes.Count} requests, {(GC.GetTotalAllocatedBytes(true) - allocated) / world.Mailboxes.Count / 1024.0:F1} KB/request");
        }

        return best;
    }
}
