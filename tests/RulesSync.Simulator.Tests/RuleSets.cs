using RulesSync.Engine.Rules.Compilation;

namespace RulesSync.Simulator.Tests;

/// <summary>The shipped rule sets, loaded once through the real YAML loader and compiler.</summary>
internal static class RuleSets
{
    private static readonly Lazy<CompiledRuleSet> DefaultSet = new(() => Load("rules/default.yaml"));
    private static readonly Lazy<CompiledRuleSet> RegressionSet = new(() => Load("rules/regressions/2020-02-ordering.yaml"));

    private static readonly Lazy<CompiledRuleSet> SeriesRegressionSet = new(() => Load("rules/regressions/2026-series-fanout.yaml"));

    public static CompiledRuleSet Default => DefaultSet.Value;

    public static CompiledRuleSet SeriesRegression => SeriesRegressionSet.Value;

    public static CompiledRuleSet Regression => RegressionSet.Value;

    /// <summary>The default without the named rules (and its fixtures), as a consultant might trim it.</summary>
    public static CompiledRuleSet DefaultWithout(params string[] rules)
    {
        var model = Default.Model;
        return RuleSetCompiler.Compile(model with { Rules = [.. model.Rules.Where(r => !rules.Contains(r.Name))], Tests = [] });
    }

    /// <summary>The default with <paramref name="rule"/> (one YAML list item, as a consultant would add it) placed first.</summary>
    public static CompiledRuleSet DefaultWithFirst(string rule)
    {
        var extra = RuleSetCompiler.Load("extra.yaml", "name: extra\nhitPolicy: first\nrules:\n" + rule).RuleSet
            ?? throw new InvalidOperationException("the extra rule does not load");
        var model = Default.Model;
        return RuleSetCompiler.Compile(model with { Rules = [extra.Model.Rules[0], .. model.Rules], Tests = [] });
    }

    private static CompiledRuleSet Load(string relative)
    {
        using var stream = typeof(RuleSets).Assembly.GetManifestResourceStream(relative)
            ?? throw new InvalidOperationException($"{relative} is not embedded");
        using var reader = new StreamReader(stream);
        var result = RuleSetCompiler.Load(relative, reader.ReadToEnd());
        return result.RuleSet ?? throw new InvalidOperationException(string.Join('\n', result.Diagnostics));
    }
}
