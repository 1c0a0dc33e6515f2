using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.RuleFiles;

public class RuleFileReaderTests
{
    [Fact]
    public void EmbeddedNames_IncludeShippedRuleSets()
    {
        Assert.Contains("embedded:default", RuleFileReader.EmbeddedNames);
        Assert.Contains("embedded:regressions/2020-02-ordering", RuleFileReader.EmbeddedNames);
    }

    [Fact]
    public void Read_Embedded_MatchesShippedFile()
    {
        var text = RuleFileReader.Read("embedded:default");
        Assert.Equal("embedded:default", text.SourceName);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "rules", "default.yaml")), text.Text);
    }

    [Fact]
    public void Read_MissingFile_NamesIt()
    {
        var e = Assert.Throws<InputFileException>(() => RuleFileReader.Read("/nonexistent/rules.yaml"));
        Assert.Contains("/nonexistent/rules.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownEmbedded_ListsAvailable()
    {
        var e = Assert.Throws<RuleFileException>(() => RuleFileReader.Read("embedded:nope"));
        Assert.Contains("embedded:default", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OversizedFile_RefusedBeforeParsing()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var f = File.OpenWrite(path))
            {
                f.SetLength(RuleFileReader.MaxBytes + 1);
            }

            var e = Assert.Throws<InputFileException>(() => RuleFileReader.Read(path));
            Assert.Contains($"{path}:1:1: error:", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_InvalidUtf8_IsInvalidInput()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x6e, 0x61, 0xff, 0xfe, 0x0a]);
            var e = Assert.Throws<InputFileException>(() => RuleFileReader.Read(path));
            Assert.Equal($"{path}:1:3: error: invalid UTF-8 (byte 0xFF); save the file as UTF-8", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
