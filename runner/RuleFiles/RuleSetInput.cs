using RulesSync.Engine.Rules.Analysis;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Runner.RuleFiles;

/// <summary>Reads and compiles a rule set for commands that need a valid one.</summary>
internal static class RuleSetInput
{
    /// <summary>
    /// Reads and compiles <paramref name="path"/>; an unreadable or invalid rule set gives
    /// <see cref="RuleFileException"/> carrying every diagnostic as <c>file:line:col: error: text</c>.
    /// </summary>
    public static CompiledRuleSet Compile(string path)
    {
        var file = RuleFileReader.Read(path);
        var result = RuleSetCompiler.Load(file.SourceName, file.Text);
        return result.RuleSet ?? throw new RuleFileException(Errors(file.SourceName, result.Diagnostics));
    }

    /// <summary>
    /// Reads, compiles and lints <paramref name="path"/> for the tools that decide every change of a simulation
    /// (simulate, check, diff, mutate): a rule set that does not load is <see cref="RuleFileException"/>;
    /// one that loads but leaves changes undecided (a gap) or decides some twice under <c>unique</c> (an overlap) is
    /// refused up front with lint's diagnostics as <see cref="UndecidableRuleSetException"/>, before anything runs.
    /// </summary>
    public static CompiledRuleSet CompileDecidable(string path) => Decidable(Lint(path));

    /// <summary>Reads and lints <paramref name="path"/>; a rule set that does not load is <see cref="RuleFileException"/>.</summary>
    public static (RuleFileText File, LintResult Lint) Lint(string path)
    {
        var file = RuleFileReader.Read(path);
        var lint = RuleSetLinter.Lint(file.SourceName, file.Text);
        return lint.RuleSet is null ? throw new RuleFileException(Errors(file.SourceName, lint.Diagnostics)) : (file, lint);
    }

    /// <summary>The linted rule set, or <see cref="UndecidableRuleSetException"/> with lint's errors when it is not decidable.</summary>
    public static CompiledRuleSet Decidable((RuleFileText File, LintResult Lint) linted)
    {
        var (file, lint) = linted;
        if (!lint.HasErrors)
        {
            return lint.RuleSet!;
        }

        throw new UndecidableRuleSetException(Errors(file.SourceName, lint.Diagnostics) + Environment.NewLine
            + $"{TerminalText.Escape(file.SourceName)}: error: refused: simulating needs a rule set that decides every change exactly once; fix the errors above (rulesync lint shows them all)");
    }

    private static string Errors(string source, IEnumerable<RuleDiagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.IsError).Select(d => d.ToString()).ToArray();
        return errors.Length == 0
            ? $"{TerminalText.Escape(source)}: error: the rule set could not be compiled"
            : string.Join(Environment.NewLine, errors);
    }
}
