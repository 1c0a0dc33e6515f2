using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class ChangeFactsReaderTests
{
    [Fact]
    public void Read_GivenStyleMap_OverridesDefaults()
    {
        var result = ChangeFactsReader.Read("c.yaml", "source: crm\nkind: cancelled\nownsRecord: true\n");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(ChangeFacts.Default with { Source = ChangeSource.Crm, Kind = ChangeKind.Cancelled, OwnsRecord = true }, result.Facts);
    }

    [Fact]
    public void Read_Json_IsAccepted()
    {
        var result = ChangeFactsReader.Read("c.json", "{\"role\": \"attendee\", \"autoShare\": true}");

        Assert.Equal(ChangeFacts.Default with { Role = Role.Attendee, AutoShare = true }, result.Facts);
    }

    [Fact]
    public void Read_UnknownFactAndValue_AreLocatedErrors()
    {
        var result = ChangeFactsReader.Read("c.yaml", "rol: attendee\nkind: gone\nownsRecord: \"yes\"\n");

        Assert.Null(result.Facts);
        Assert.Equal(
            [
                "c.yaml:1:1: error: unknown fact 'rol'; did you mean 'role'? [RS0020]",
                "c.yaml:2:7: error: unknown value 'gone' for fact 'kind' (values: created, updated, deleted, cancelled, declined, missing, completed) [RS0021]",
                "c.yaml:3:13: error: unknown value 'yes' for fact 'ownsRecord' (values: false, true) [RS0021]",
            ],
            result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Read_NotAMap_IsError()
    {
        var result = ChangeFactsReader.Read("c.yaml", "- source\n");

        Assert.Null(result.Facts);
        Assert.Equal(DiagnosticCodes.Structure, Assert.Single(result.Diagnostics).Code);
    }
}
