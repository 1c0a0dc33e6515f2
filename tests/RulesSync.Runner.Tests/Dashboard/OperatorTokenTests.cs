using Microsoft.AspNetCore.Http;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Dashboard;

public class OperatorTokenTests
{
    [Theory]
    [InlineData("tok", "Bearer tok", "Accepted")]
    [InlineData("tok", "bearer tok", "Accepted")]
    [InlineData("tok", "Bearer  tok ", "Accepted")]
    [InlineData("tok", "Bearer tok2", "Wrong")]
    [InlineData("tok", "Bearer to", "Wrong")]
    [InlineData("tok", "Bearer ", "Wrong")]
    [InlineData("tok", "Basic dG9r", "Missing")]
    [InlineData("tok", "", "Missing")]
    [InlineData(null, "Bearer tok", "ReadOnly")]
    [InlineData("", "Bearer ", "ReadOnly")]
    public void Check_AuthorizationHeader_Classified(string? configured, string header, string expected)
    {
        var context = new DefaultHttpContext();
        if (header.Length > 0)
        {
            context.Request.Headers.Authorization = header;
        }

        Assert.Equal(Enum.Parse<TokenCheck>(expected), new OperatorToken(configured).Check(context.Request));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("t", true)]
    public void ActionsEnabled_OnlyWithConfiguredToken(string? configured, bool enabled) =>
        Assert.Equal(enabled, new OperatorToken(configured).ActionsEnabled(new DefaultHttpContext()));

    /// <summary>
    /// Cluster mode: the tokens in force (a database read) are read once per request however often the request asks
    /// (whether actions are enabled, the presented token), and afresh by the next request, so a rotation that ends
    /// between two requests takes effect at the second.
    /// </summary>
    [Fact]
    public void TokensInForce_ReadOncePerRequestAndAfreshByTheNext()
    {
        var reads = 0;
        IReadOnlyList<string?> inForce = [OperatorTokens.HashHex("old-token"), OperatorTokens.HashHex("new-token")];
        var token = new OperatorToken(() =>
        {
            reads++;
            return inForce;
        });

        var first = Request("Bearer old-token");
        Assert.True(token.ActionsEnabled(first.HttpContext));
        Assert.Equal(TokenCheck.Accepted, token.Check(first));
        Assert.Equal(TokenCheck.Accepted, token.Check(first));
        Assert.Equal(1, reads);

        // The last silo with the old token left: the next request reads the tokens in force again.
        inForce = [OperatorTokens.HashHex("new-token")];
        var second = Request("Bearer old-token");
        Assert.Equal(TokenCheck.Wrong, token.Check(second));
        Assert.True(token.ActionsEnabled(second.HttpContext));
        Assert.Equal(2, reads);
        Assert.Equal(TokenCheck.Accepted, token.Check(Request("Bearer new-token")));
        Assert.Equal(3, reads);
    }

    private static HttpRequest Request(string authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        return context.Request;
    }
}
