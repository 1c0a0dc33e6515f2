using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Tests.Connectors;

public sealed class EmployeeDirectoryTests
{
    [Theory]
    [InlineData("Alice@Contoso.Example", true)]
    [InlineData("bob@sub.contoso.example", false)]
    [InlineData("erin@fabrikam.example", false)]
    [InlineData("not-an-address", false)]
    public void IsEmployee_ByMailDomain(string address, bool expected) =>
        Assert.Equal(expected, new EmployeeDirectory(["@contoso.example "]).IsEmployee(address));

    [Fact]
    public void IdOf_TrimsAndLowerCases() => Assert.Equal("alice@contoso.example", EmployeeDirectory.IdOf(" Alice@Contoso.Example "));
}
