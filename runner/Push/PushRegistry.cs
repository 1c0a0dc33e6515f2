using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RulesSync.Engine.Changes;

namespace RulesSync.Runner.Push;

/// <summary>One live Graph subscription or Google channel: whose it is and the secret every notification must carry.</summary>
/// <param name="Id">Graph's subscription id, or the channel id we chose.</param>
/// <param name="Mailbox">The configured mailbox it watches.</param>
/// <param name="Provider">Exchange (Graph subscription) or Google (channel).</param>
/// <param name="SecretHash">SHA-256 (lowercase hex) of Graph's <c>clientState</c> or Google's channel token: the secret itself is only sent to the provider, never kept or logged.</param>
/// <param name="ExpiresAt">When the provider stops delivering.</param>
/// <param name="ResourceId">Google's <c>resourceId</c> (for <c>channels.stop</c>); null for Graph.</param>
/// <param name="Url">Where the provider delivers (a changed public URL makes a kept subscription useless).</param>
internal sealed record PushTarget(string Id, string Mailbox, Provider Provider, string SecretHash, DateTimeOffset ExpiresAt, string? ResourceId = null, string? Url = null)
{
    public override string ToString() => $"{Provider} {Id} for {Mailbox} until {ExpiresAt:u}";
}

/// <summary>What the receiver made of one notification.</summary>
internal enum PushVerdict
{
    /// <summary>Authentic: the mailbox's sync is scheduled.</summary>
    Accepted,

    /// <summary>Google's first message on a new channel (<c>sync</c>): acknowledged, no work.</summary>
    Handshake,

    /// <summary>A message number seen before on this channel (a replay or the provider's retry): no work.</summary>
    Duplicate,

    /// <summary>No such subscription or channel (404).</summary>
    Unknown,

    /// <summary>Wrong clientState or channel token (Graph 403, Google 401).</summary>
    Forged,

    /// <summary>More notifications than the configured rate: 429, nothing examined.</summary>
    RateLimited,

    /// <summary>Not a notification the receiver can read (400).</summary>
    Malformed,
}

/// <summary>
/// The subscriptions and channels this runner made, and the decision for each incoming notification (pure apart
/// from the message-number book). Secrets are compared in constant time. Thread-safe.
/// </summary>
internal sealed class PushRegistry
{
    private readonly ConcurrentDictionary<string, PushTarget> targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> lastMessage = new(StringComparer.Ordinal);
    private readonly long[] counts = new long[Enum.GetValues<PushVerdict>().Length];
    private readonly ConcurrentDictionary<string, DateTimeOffset> trouble = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every live target.</summary>
    public IReadOnlyCollection<PushTarget> Targets => [.. targets.Values];

    /// <summary>How many notifications got each verdict so far.</summary>
    public long Count(PushVerdict verdict) => Interlocked.Read(ref counts[(int)verdict]);

    /// <summary>Notifications refused (unknown, forged, rate-limited, malformed).</summary>
    public long Refused => Count(PushVerdict.Unknown) + Count(PushVerdict.Forged) + Count(PushVerdict.RateLimited) + Count(PushVerdict.Malformed);

    public void Add(PushTarget target) => targets[target.Id] = target;

    public void Remove(string id)
    {
        targets.TryRemove(id, out _);
        lastMessage.TryRemove(id, out _);
    }

    public PushTarget? Find(string id) => targets.GetValueOrDefault(id);

    /// <summary>
    /// Notes that the mailbox's notifications cannot be trusted since <paramref name="at"/> (Graph said <c>missed</c>
    /// or removed the subscription, it expired, or making or renewing it failed): its poll goes back to the normal interval.
    /// </summary>
    public void NoteTrouble(string mailbox, DateTimeOffset at) => trouble.AddOrUpdate(mailbox, at, (_, before) => before > at ? before : at);

    /// <summary>When the mailbox's push last had trouble (null: never).</summary>
    public DateTimeOffset? LastTrouble(string mailbox) => trouble.TryGetValue(mailbox, out var at) ? at : null;

    /// <summary>The mailbox's live target (the newest if an overlapping renewal left two).</summary>
    public PushTarget? ForMailbox(string mailbox) =>
        targets.Values.Where(t => string.Equals(t.Mailbox, mailbox, StringComparison.OrdinalIgnoreCase)).MaxBy(t => t.ExpiresAt);

    /// <summary>Records a verdict for the counters and returns it.</summary>
    public PushVerdict Record(PushVerdict verdict)
    {
        Interlocked.Increment(ref counts[(int)verdict]);
        return verdict;
    }

    /// <summary>A Graph change or lifecycle notification: the subscription must be ours and its clientState match.</summary>
    public (PushVerdict Verdict, PushTarget? Target) CheckGraph(string? subscriptionId, string? clientState)
    {
        if (subscriptionId is null || Find(subscriptionId) is not { Provider: Provider.Exchange } target)
        {
            return (Record(PushVerdict.Unknown), null);
        }

        return SecretMatches(target.SecretHash, clientState) ? (Record(PushVerdict.Accepted), target) : (Record(PushVerdict.Forged), null);
    }

    /// <summary>
    /// A Google notification: the channel must be ours, its token match, and its message number be new (Google
    /// numbers each channel's messages; the <c>sync</c> message is the first).
    /// </summary>
    public (PushVerdict Verdict, PushTarget? Target) CheckGoogle(string? channelId, string? token, string? state, string? messageNumber)
    {
        if (channelId is null || Find(channelId) is not { Provider: Provider.Google } target)
        {
            return (Record(PushVerdict.Unknown), null);
        }

        if (!SecretMatches(target.SecretHash, token))
        {
            return (Record(PushVerdict.Forged), null);
        }

        if (!long.TryParse(messageNumber, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return (Record(PushVerdict.Malformed), null);
        }

        var fresh = true;
        lastMessage.AddOrUpdate(channelId, number, (_, last) =>
        {
            fresh = number > last;
            return Math.Max(last, number);
        });
        if (!fresh)
        {
            return (Record(PushVerdict.Duplicate), target);
        }

        return state switch
        {
            "sync" => (Record(PushVerdict.Handshake), target),
            "exists" or "not_exists" => (Record(PushVerdict.Accepted), target),
            _ => (Record(PushVerdict.Malformed), null),
        };
    }

    /// <summary>A fresh secret for a clientState or channel token: 32 random bytes, base64url (Graph allows 128 characters, Google 256).</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What is kept of a secret: its SHA-256, lowercase hex.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static bool SecretMatches(string expectedHash, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedHash), Encoding.ASCII.GetBytes(Hash(presented)));
}
