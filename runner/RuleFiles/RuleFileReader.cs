using System.Reflection;
using System.Text;

namespace RulesSync.Runner.RuleFiles;

/// <summary>The text of a rule file and the name diagnostics use for it.</summary>
internal sealed record RuleFileText(string SourceName, string Text);

/// <summary>
/// Reads rule files for the engine, which does no IO itself. A name of the form <c>embedded:NAME</c>
/// (for example <c>embedded:default</c>, <c>embedded:regressions/2020-02-ordering</c>) reads a rule set
/// shipped inside the tool, so the CLI works without a checkout.
/// </summary>
internal static class RuleFileReader
{
    /// <summary>Rule files larger than this are refused before parsing (the bytes read stop at this + 1).</summary>
    public const long MaxBytes = Configuration.InputFile.MaxTextBytes;

    public const string EmbeddedPrefix = "embedded:";

    /// <summary>The embedded rule sets, as <c>embedded:NAME</c> names.</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } =
        typeof(RuleFileReader).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("RulesSync.rules.", StringComparison.Ordinal))
            .Select(n => EmbeddedPrefix + n["RulesSync.rules.".Length..^".yaml".Length].Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Reads <paramref name="path"/> (at most <see cref="MaxBytes"/> bytes are read, whatever the file is: a device
    /// or a pipe cannot make it grow); an unusable file gives <see cref="Configuration.InputFileException"/> naming it, an unknown embedded name <see cref="RuleFileException"/>.
    /// </summary>
    public static RuleFileText Read(string path, string what = "rule file") =>
        path.StartsWith(EmbeddedPrefix, StringComparison.Ordinal)
            ? ReadEmbedded(path)
            : new RuleFileText(path, Configuration.InputFile.ReadText(path, what, (int)MaxBytes));

    private static RuleFileText ReadEmbedded(string name)
    {
        var resource = "RulesSync.rules." + name[EmbeddedPrefix.Length..] + ".yaml";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new RuleFileException(
                $"{name}: error: no such embedded rule set; available: {string.Join(", ", EmbeddedNames)}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RuleFileText(name, reader.ReadToEnd());
    }
}
