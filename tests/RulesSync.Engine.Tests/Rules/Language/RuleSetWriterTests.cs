using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class RuleSetWriterTests
{
    [Fact]
    public void Write_ShippedFiles_LoadBackToEqualModels()
    {
        foreach (var file in RepoFiles.ShippedRuleFiles())
        {
            var model = RuleSetLoader.Load(file, RepoFiles.Read(file)).Model!;

            var saved = RuleSetWriter.Write(model);
            var reloaded = RuleSetLoader.Load("saved.yaml", saved);

            Assert.True(reloaded.Succeeded, saved + "\n" + string.Join("\n", reloaded.Diagnostics));
            Assert.Equal(model, reloaded.Model);
        }
    }

    [Fact]
    public void Write_Conditions_UseTheShortForms()
    {
        var model = RuleSetLoaderTests.LoadRule("    when: { kind: deleted, role: [attendee, none], link: { not: this }, timing: { notIn: [past] }, source: { equals: crm } }").Model!;

        var saved = RuleSetWriter.Write(model);

        Assert.Contains("when: {kind: deleted, role: [attendee, none], link: { not: this }, timing: { notIn: [past] }, source: crm}", saved, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_ControlAndLineBreakCharacters_AreEscaped()
    {
        Assert.Equal("\"a\\\"b\\\\c\\n\\t\\u0085\\u2028\"", RuleSetWriter.Quote("a\"b\\c\n\t\u0085\u2028"));
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(RuleArbitraries)])]
    public Property LoadSaveLoad_GivesEqualModel(RuleSetModel model)
    {
        var saved = RuleSetWriter.Write(model);
        var loaded = RuleSetLoader.Load("saved.yaml", saved);
        var again = loaded.Model is null ? null : RuleSetLoader.Load("again.yaml", RuleSetWriter.Write(loaded.Model));

        return (loaded.Model is not null && model.Equals(loaded.Model) && loaded.Model.Equals(again?.Model))
            .Label(saved + "\n" + string.Join("\n", loaded.Diagnostics));
    }
}
