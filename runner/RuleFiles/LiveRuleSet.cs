using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Compilation;

namespace RulesSync.Runner.RuleFiles;

/// <summary>What a reload check found.</summary>
/// <param name="Changed">Whether the rule set in force changed.</param>
/// <param name="Error">The lint/compile errors of a changed but invalid file (reported once per file content).</param>
internal readonly record struct RuleReload(bool Changed, string? Error);

/// <summary>
/// The rule set the runner decides with, reloaded when its file changes: checked once per cycle (deterministic,
/// no watcher thread), the changed text is linted first with the same linter as <c>rulesync lint</c>; an invalid
/// file keeps the previous rule set in force and is reported once. Embedded rule sets never change. Not
/// thread-safe: the runner checks between cycles.
/// </summary>
internal sealed class LiveRuleSet
{
    private string text;
    private string? failedText;

    private LiveRuleSet(string source, string text, CompiledRuleSet current)
    {
        Source = source;
        this.text = text;
        Current = current;
    }

    /// <summary>The rule file (path or embedded name).</summary>
    public string Source { get; }

    /// <summary>The rule set in force.</summary>
    public CompiledRuleSet Current { get; private set; }

    /// <summary>
    /// Loads the rule set and lints it exactly as <see cref="Refresh"/> does: load errors and analysis errors (gaps,
    /// overlaps under <c>unique</c>) are <see cref="RuleFileException"/> with lint's diagnostics (at startup
    /// nothing may run).
    /// </summary>
    public static LiveRuleSet Load(string source)
    {
        var file = RuleFileReader.Read(source);
        var lint = RuleSetLinter.Lint(file.SourceName, file.Text);
        if (lint.HasErrors || lint.RuleSet is null)
        {
            throw new RuleFileException(Errors(lint, source));
        }

        return new LiveRuleSet(source, file.Text, lint.RuleSet);
    }

    /// <summary>Re-reads the file; swaps the rule set in if it changed and lints clean.</summary>
    public RuleReload Refresh()
    {
        if (Source.StartsWith(RuleFileReader.EmbeddedPrefix, StringComparison.Ordinal))
        {
            return default;
        }

        string now;
        try
        {
            // The same capped, strict reader as at startup: a file grown past the cap or no longer UTF-8 is refused.
            now = RuleFileReader.Read(Source).Text;
        }
        catch (Exception e) when (e is Configuration.InputFileException or RuleFileException)
        {
            return Fail(e.Message, e.Message);
        }

        if (now == text)
        {
            failedText = null;
            return default;
        }

        var lint = RuleSetLinter.Lint(Source, now);
        if (lint.HasErrors || lint.RuleSet is null)
        {
            return Fail(now, Errors(lint, Source));
        }

        Current = lint.RuleSet;
        text = now;
        failedText = null;
        return new RuleReload(true, null);
    }

    private static string Errors(LintResult lint, string source)
    {
        var errors = string.Join(Environment.NewLine, lint.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()));
        return errors.Length == 0 ? $"{source}: error: the rule set could not be compiled" : errors;
    }

    private RuleReload Fail(string content, string error)
    {
        if (content == failedText)
        {
            return default;
        }

        failedText = content;
        return new RuleReload(false, error);
    }
}
