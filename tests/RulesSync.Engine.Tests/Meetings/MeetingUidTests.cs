using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Tests.Meetings;

public sealed class MeetingUidTests
{
    [Fact]
    public void IsPlaceholderFor_PlaceholderOfTheSameRecord_IsTrue() =>
        Assert.True(MeetingUid.PlaceholderFor("00163E0A").IsPlaceholderFor("00163E0A"));

    [Theory]
    [InlineData("00163E0B")]
    [InlineData("0163E0A")]
    [InlineData("00163E0A0")]
    public void IsPlaceholderFor_PlaceholderOfAnotherRecord_IsFalse(string other) =>
        Assert.False(MeetingUid.PlaceholderFor("00163E0A").IsPlaceholderFor(other));

    [Theory]
    [InlineData("040000008200E00074C5B7101A82E008")]
    [InlineData("record:00163E0A")]
    [InlineData("00163E0A")]
    public void IsPlaceholderFor_RealUid_IsFalse(string uid) =>
        Assert.False(new MeetingUid(uid).IsPlaceholderFor("00163E0A"));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void PlaceholderFor_NoObjectId_Throws(string objectId) =>
        Assert.ThrowsAny<ArgumentException>(() => MeetingUid.PlaceholderFor(objectId));
}
