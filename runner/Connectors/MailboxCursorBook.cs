using RulesSync.Engine.Sync;

namespace RulesSync.Runner.Connectors;

/// <summary>
/// Bridges the engine's numeric <see cref="MailboxCursor"/> and a provider's opaque sync position (a Graph
/// deltaLink, a Google syncToken), and remembers which event ids this mailbox's sync has delivered and not
/// yet seen removed. The known ids are what a full resync (after a 410) is diffed against, so that only events
/// that are really gone become removal notices. One book per mailbox; thread-safe. The runner persists
/// <see cref="Export"/> next to the engine's state and restores it with <see cref="Import"/>.
/// </summary>
public sealed class MailboxCursorBook
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, string> tokens = [];
    private readonly HashSet<string> known = new(StringComparer.Ordinal);
    private long last;

    /// <summary>The provider token behind <paramref name="cursor"/>; null for position 0 (start with a full listing).</summary>
    /// <exception cref="ArgumentException">The position was never issued by this book.</exception>
    public string? Resolve(MailboxCursor cursor)
    {
        if (cursor.Position == 0)
        {
            return null;
        }

        lock (gate)
        {
            return tokens.TryGetValue(cursor.Position, out var token)
                ? token
                : throw new ArgumentException($"cursor {cursor.Position} was not issued by this mailbox's cursor book", nameof(cursor));
        }
    }

    /// <summary>Stores a provider token and returns the engine cursor that stands for it.</summary>
    public MailboxCursor Issue(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        lock (gate)
        {
            last++;
            tokens[last] = token;
            return new MailboxCursor(last);
        }
    }

    /// <summary>Event ids delivered and not removed since.</summary>
    public IReadOnlySet<string> KnownEventIds
    {
        get
        {
            lock (gate)
            {
                return new HashSet<string>(known, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Records what a page delivered: live items become known, removal notices forget their id.</summary>
    public void Observe(IEnumerable<MailboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        lock (gate)
        {
            foreach (var item in items)
            {
                if (item.Removed)
                {
                    known.Remove(item.EventId);
                }
                else
                {
                    known.Add(item.EventId);
                }
            }
        }
    }

    /// <summary>Records a write: a created event is known, a deleted one is not.</summary>
    internal void Observe(string eventId, bool live)
    {
        lock (gate)
        {
            if (live)
            {
                known.Add(eventId);
            }
            else
            {
                known.Remove(eventId);
            }
        }
    }

    /// <summary>The book's content, for persistence.</summary>
    public MailboxCursorBookState Export()
    {
        lock (gate)
        {
            return new MailboxCursorBookState(
                last,
                tokens.OrderBy(t => t.Key).Select(t => new KeyValuePair<long, string>(t.Key, t.Value)).ToArray(),
                known.Order(StringComparer.Ordinal).ToArray());
        }
    }

    /// <summary>Restores a book exported earlier.</summary>
    public static MailboxCursorBook Import(MailboxCursorBookState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var book = new MailboxCursorBook { last = state.Last };
        foreach (var (position, token) in state.Tokens)
        {
            book.tokens[position] = token;
        }

        book.known.UnionWith(state.KnownEventIds);
        return book;
    }
}

/// <summary>A persisted <see cref="MailboxCursorBook"/>. The tokens are sync positions, not credentials.</summary>
/// <param name="Last">The last position issued.</param>
/// <param name="Tokens">Positions and their provider tokens.</param>
/// <param name="KnownEventIds">Event ids delivered and not removed.</param>
public sealed record MailboxCursorBookState(long Last, IReadOnlyList<KeyValuePair<long, string>> Tokens, IReadOnlyList<string> KnownEventIds);
