namespace RulesSync.Runner.RuleFiles;

/// <summary>
/// A rule set that loads but leaves changes undecided (a gap) or decides some twice under <c>unique</c> (an
/// overlap), refused by the tools that must decide every change of a simulation before anything runs. Lint's
/// diagnostics are the message; the CLI exits 1 (a finding, not unusable input).
/// </summary>
internal sealed class UndecidableRuleSetException(string message) : Exception(message);
