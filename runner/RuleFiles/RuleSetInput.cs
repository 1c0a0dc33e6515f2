using RulesSync.Engine.Rules.Compilation;
using RulesSync.Runner.Cli;

namespace RulesSync.Runner.RuleFiles;

/// <summary>Reads and compiles a rule set for commands that need a valid one.</summary>
internal static class RuleSetInput
{
    /// <summary>
    /// Reads and compiles <paramref name="path"/>; an unreadable or invalid rule set gives
    /// <see cref="InvalidInputException"/> carrying every diagnostic as <c>file:line:col: error: text</c>.
    /// </summary>
    public static CompiledRuleSet Compile(string path)
    {
        var file = RuleFileReader.Read(path);
        var result = RuleSetCompiler.Load(file.SourceName, file.Text);
        if (result.RuleSet is { } ruleSet)
        {
            return ruleSet;
        }

        var errors = result.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()).ToArray();
        throw new InvalidInputException(errors.Length == 0
            ? $"{file.SourceName}: error: the rule set could not be compiled"
            : string.Join(Environment.NewLine, errors));
    }
}
