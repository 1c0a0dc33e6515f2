using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace RulesSync.Runner.Tests.Connectors;

/// <summary>One log entry as a connector wrote it: the rendered message and the structured values.</summary>
internal sealed record LogEntry(int EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values, string? Exception)
{
    public TimeSpan Delay => (TimeSpan)Values["Delay"]!;

    /// <summary>Everything a reader of the log could see, for "no secret appears" checks.</summary>
    public string AllText => string.Join('\n', [Message, Exception ?? string.Empty, .. Values.Values.Select(v => v?.ToString() ?? string.Empty)]);
}

/// <summary>A logger factory that keeps every entry, and lets a test await the next one of an event id.</summary>
internal sealed class CapturedLogs : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> entries = new();
    private readonly ConcurrentDictionary<int, Channel<LogEntry>> byEvent = new();

    public IReadOnlyList<LogEntry> Entries => [.. entries];

    public string AllText => string.Join('\n', entries.Select(e => e.AllText));

    /// <summary>Completes with the next entry of <paramref name="eventId"/> (entries are queued, none is missed).</summary>
    public async Task<LogEntry> NextAsync(int eventId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await Channel(eventId).Reader.ReadAsync(cts.Token);
    }

    /// <summary>Completes (with true) when an entry of <paramref name="eventId"/> is waiting; consumes nothing.</summary>
    public Task<bool> AvailableAsync(int eventId) => Channel(eventId).Reader.WaitToReadAsync().AsTask();

    /// <summary>Takes a waiting entry of <paramref name="eventId"/>.</summary>
    public LogEntry Take(int eventId) => Channel(eventId).Reader.TryRead(out var entry) ? entry : throw new InvalidOperationException("no entry waiting");

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private Channel<LogEntry> Channel(int eventId) => byEvent.GetOrAdd(eventId, _ => System.Threading.Channels.Channel.CreateUnbounded<LogEntry>());

    private void Add(LogEntry entry)
    {
        entries.Enqueue(entry);
        Channel(entry.EventId).Writer.TryWrite(entry);
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : [];
            owner.Add(new LogEntry(eventId.Id, logLevel, formatter(state, exception), values, exception?.ToString()));
        }
    }
}
