using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Tenant;

/// <summary>The token rules over several hashes in force at once (a rotation under way), as the cluster database records them.</summary>
public sealed class OperatorTokensTests
{
    private static readonly string? Old = OperatorTokens.HashHex("old-token");
    private static readonly string? New = OperatorTokens.HashHex("new-token");

    [Theory]
    [InlineData("old-token", "Accepted")]
    [InlineData("new-token", "Accepted")]
    [InlineData(" new-token ", "Accepted")]
    [InlineData("other-token", "Wrong")]
    [InlineData("", "Wrong")]
    [InlineData(null, "Missing")]
    public void Check_TwoHashesInForce_EitherTokenAccepted(string? presented, string expected) =>
        Assert.Equal(Enum.Parse<TokenCheck>(expected), OperatorTokens.Check([Old, null, New], presented));

    [Fact]
    public void Check_NoHashInForce_ReadOnlyWhateverIsPresented()
    {
        Assert.Equal(TokenCheck.ReadOnly, OperatorTokens.Check([null, null], "old-token"));
        Assert.Equal(TokenCheck.ReadOnly, OperatorTokens.Check(Array.Empty<string?>(), null));
    }

    [Theory]
    [InlineData("not hex")]
    [InlineData("abcd")]
    public void Check_MalformedRecordedHash_AcceptsNothing(string recorded)
    {
        Assert.Equal(TokenCheck.Wrong, OperatorTokens.Check([recorded], "old-token"));
        Assert.Equal(TokenCheck.Wrong, OperatorTokens.Check([recorded], recorded));
        Assert.Equal(TokenCheck.Accepted, OperatorTokens.Check([recorded, Old], "old-token"));
    }
}
