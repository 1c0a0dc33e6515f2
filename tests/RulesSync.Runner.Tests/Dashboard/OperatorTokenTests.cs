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
        Assert.Equal(enabled, new OperatorToken(configured).ActionsEnabled);
}
