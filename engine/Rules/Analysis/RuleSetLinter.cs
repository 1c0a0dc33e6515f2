using System.Collections.Immutable;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Rules.Analysis;

/// <summary>What <c>rulesync lint</c> reports for one file.</summary>
/// <param name="RuleSet">The compiled rule set, or null when the file has load errors (then there is no analysis).</param>
/// <param name="Analysis">The fact-space analysis, when the file loaded.</param>
/// <param name="Diagnostics">Load diagnostics followed by analysis findings.</param>
public sealed record LintResult(CompiledRuleSet? RuleSet, AnalysisReport? Analysis, ImmutableArray<RuleDiagnostic> Diagnostics)
{
    /// <summary>Whether any diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

/// <summary>Load checks plus analysis over the whole fact space, for one rule file. Thread-safe.</summary>
public static class RuleSetLinter
{
    /// <summary>Lints the rule set in <paramref name="text"/>, naming it <paramref name="sourceName"/> in diagnostics.</summary>
    public static LintResult Lint(string sourceName, string text)
    {
        var loaded = RuleSetCompiler.Load(sourceName, text);
        if (loaded.RuleSet is null)
        {
            return new LintResult(null, null, loaded.Diagnostics);
        }

        var analysis = RuleSetAnalyzer.Analyze(loaded.RuleSet);
        return new LintResult(loaded.RuleSet, analysis, loaded.Diagnostics.AddRange(analysis.Diagnostics));
    }
}
