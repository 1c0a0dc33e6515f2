using LiteDB;

namespace RulesSync.Runner.State;

/// <summary>A mailbox's latency log in the <c>latencies</c> collection (<see cref="LatencyLogs"/>'s binary form).</summary>
internal sealed class LatencyRow
{
    /// <summary>The mailbox (its key).</summary>
    public string Id { get; set; } = string.Empty;

    public byte[] Log { get; set; } = [];
}

/// <summary>
/// The sync latencies, kept apart from the mailbox rows: the row is written every cycle, and a log of 100 samples
/// inside it cost more to read and write than the rest of the row. The store keeps the logs in memory (read once from
/// the <c>latencies</c> collection), appends each finished sync's latency there, and writes the logs that changed at
/// most every <see cref="LatencyPersistEvery"/> milliseconds of sync time and when it is disposed. This process (the
/// runner and its dashboard) sees every sample at once through <see cref="Mailbox"/> and <see cref="Mailboxes"/>;
/// another (<c>rulesync status</c>) sees them as last written, and a crash loses at most that interval's samples —
/// latencies are only shown, nothing is decided on them. Samples that state files before this kept in the mailbox rows
/// are not carried over (the mapper ignores those fields; the next write of the row drops them).
/// </summary>
internal sealed partial class StateStore
{
    /// <summary>How often, in milliseconds of sync time, the latency logs that changed are written.</summary>
    public const long LatencyPersistEvery = 5 * 60 * 1000;

    // Guarded by gate: the logs by mailbox (null until first read), those changed since written, and when they were.
    private Dictionary<string, byte[]>? latencies;
    private readonly HashSet<string> latenciesChanged = new(StringComparer.Ordinal);
    private long latenciesWrittenAt = long.MinValue;

    // The open transaction's changes to them, undone when it rolls back: each log as it was, and whether it wrote any.
    private readonly List<(string Mailbox, byte[]? Log, bool Changed)> latencyUndo = [];
    private bool latenciesWrittenInTransaction;

    private ILiteCollection<LatencyRow> LatencyRows => db.GetCollection<LatencyRow>("latencies");

    /// <summary>The mapping of the rows that keep their latencies elsewhere here.</summary>
    private static void MapLatencies(BsonMapper mapper) =>
        mapper.Entity<MailboxRow>().Ignore(m => m.LatencyLog).Ignore(m => m.LegacyLatencies);

    private Dictionary<string, byte[]> LatencyLogsByMailbox =>
        latencies ??= LatencyRows.FindAll().ToDictionary(r => r.Id, r => r.Log, StringComparer.Ordinal);

    /// <summary>A finished sync's latency, in the open transaction; the caller holds the gate.</summary>
    private void AddLatency(string mailbox, long at, long milliseconds)
    {
        var logs = LatencyLogsByMailbox;
        var before = logs.GetValueOrDefault(mailbox);
        latencyUndo.Add((mailbox, before, latenciesChanged.Contains(mailbox)));
        logs[mailbox] = LatencyLogs.Append(before, at, milliseconds, LatencySamples);
        latenciesChanged.Add(mailbox);
        if (latenciesWrittenAt == long.MinValue || at - latenciesWrittenAt >= LatencyPersistEvery)
        {
            WriteLatencies(at);
        }
    }

    /// <summary>Writes the logs that changed, in the open transaction; the caller holds the gate.</summary>
    private void WriteLatencies(long at)
    {
        foreach (var mailbox in latenciesChanged)
        {
            LatencyRows.Upsert(new LatencyRow { Id = mailbox, Log = LatencyLogsByMailbox[mailbox] });
        }

        latenciesChanged.Clear();
        latenciesWrittenAt = at;
        latenciesWrittenInTransaction = true;
    }

    /// <summary>The transaction committed: its latency changes stay.</summary>
    private void LatenciesCommitted()
    {
        latencyUndo.Clear();
        latenciesWrittenInTransaction = false;
    }

    /// <summary>
    /// The transaction rolled back: its samples are taken out again (its finished syncs wait to be written again). When
    /// it wrote logs, they are read again when next needed, and the samples not written before are lost.
    /// </summary>
    private void LatenciesRolledBack()
    {
        if (latenciesWrittenInTransaction)
        {
            latencies = null;
            latenciesChanged.Clear();
            latenciesWrittenAt = long.MinValue;
        }
        else if (latencies is not null)
        {
            for (var i = latencyUndo.Count - 1; i >= 0; i--)
            {
                var (mailbox, log, changed) = latencyUndo[i];
                if (log is null)
                {
                    latencies.Remove(mailbox);
                }
                else
                {
                    latencies[mailbox] = log;
                }

                if (!changed)
                {
                    latenciesChanged.Remove(mailbox);
                }
            }
        }

        latencyUndo.Clear();
        latenciesWrittenInTransaction = false;
    }

    /// <summary>The row as readers see it: with its latency log and its last sync's time; the caller holds the gate.</summary>
    private MailboxRow? WithLatencies(MailboxRow? row)
    {
        if (row is not null)
        {
            row.LatencyLog = LatencyLogsByMailbox.GetValueOrDefault(row.Id);
            WithLastSync(row);
        }

        return row;
    }

    /// <summary>
    /// The row's last sync time: the newer of the row's and its latest latency sample's (a finished sync that changed
    /// nothing leaves its row as it is, <see cref="Skippable"/>; its sample carries the time); the caller holds the gate.
    /// </summary>
    private void WithLastSync(MailboxRow row)
    {
        if (LatencyLogsByMailbox.GetValueOrDefault(row.Id) is { Length: >= LatencyLogs.SampleBytes } log)
        {
            var at = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(log.AsSpan(log.Length - LatencyLogs.SampleBytes));
            if (row.LastSyncAt is not { } last || at > last)
            {
                row.LastSyncAt = at;
            }
        }
    }
}
