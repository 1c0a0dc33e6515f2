using Azure.Core;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.Connectors.SignIn;

namespace RulesSync.Runner.Tests.Connectors.SignIn;

/// <summary><see cref="CachedTokenCredential"/>: a token is reused until it is due for refresh, then fetched again.</summary>
public sealed class CachedTokenCredentialTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TokenRequestContext Graph = new(["https://graph.microsoft.com/.default"], isCaeEnabled: true);

    [Fact]
    public async Task GetTokenAsync_ManyRequestsBeforeExpiry_AsksTheCredentialOnce()
    {
        var time = new FakeTimeProvider(Start);
        var inner = new CountingCredential(time, TimeSpan.FromHours(1));
        var cached = new CachedTokenCredential(inner, time);

        var tokens = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            tokens.Add((await cached.GetTokenAsync(Graph, CancellationToken.None)).Token);
            time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, inner.Calls);
        Assert.All(tokens, t => Assert.Equal("token-1", t));
    }

    [Fact]
    public async Task GetTokenAsync_WithinRefreshMarginOfExpiry_FetchesANewOne()
    {
        var time = new FakeTimeProvider(Start);
        var inner = new CountingCredential(time, TimeSpan.FromHours(1));
        var cached = new CachedTokenCredential(inner, time);

        var first = await cached.GetTokenAsync(Graph, CancellationToken.None);
        time.Advance(TimeSpan.FromHours(1) - CachedTokenCredential.RefreshBefore - TimeSpan.FromSeconds(1));
        var stillFirst = await cached.GetTokenAsync(Graph, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = cached.GetToken(Graph, CancellationToken.None);

        Assert.Equal(("token-1", "token-1", "token-2"), (first.Token, stillFirst.Token, second.Token));
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_RefreshOnGiven_FetchedAgainFromThen()
    {
        var time = new FakeTimeProvider(Start);
        var inner = new CountingCredential(time, TimeSpan.FromHours(1), refreshAfter: TimeSpan.FromMinutes(30));
        var cached = new CachedTokenCredential(inner, time);

        await cached.GetTokenAsync(Graph, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(29));
        await cached.GetTokenAsync(Graph, CancellationToken.None);
        Assert.Equal(1, inner.Calls);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("token-2", (await cached.GetTokenAsync(Graph, CancellationToken.None)).Token);
    }

    [Fact]
    public async Task GetTokenAsync_OtherScopeOrClaims_NotAnsweredFromTheCache()
    {
        var time = new FakeTimeProvider(Start);
        var inner = new CountingCredential(time, TimeSpan.FromHours(1));
        var cached = new CachedTokenCredential(inner, time);

        await cached.GetTokenAsync(Graph, CancellationToken.None);
        var other = await cached.GetTokenAsync(new TokenRequestContext(["https://other.example/.default"]), CancellationToken.None);
        var challenged = await cached.GetTokenAsync(new TokenRequestContext(Graph.Scopes, claims: "{\"access_token\":{}}", isCaeEnabled: true), CancellationToken.None);
        var again = await cached.GetTokenAsync(Graph, CancellationToken.None);

        Assert.Equal(("token-2", "token-3", "token-1"), (other.Token, challenged.Token, again.Token));
        Assert.Equal(3, inner.Calls);
    }

    /// <summary>Issues numbered tokens that expire <paramref name="lifetime"/> after they are issued.</summary>
    private sealed class CountingCredential(TimeProvider time, TimeSpan lifetime, TimeSpan? refreshAfter = null) : TokenCredential
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref calls);
            var now = time.GetUtcNow();
            return new AccessToken($"token-{n}", now + lifetime, refreshAfter is { } r ? now + r : null);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
