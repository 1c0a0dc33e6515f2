using BenchmarkDotNet.Attributes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;

namespace RulesSync.Bench.Rules;

/// <summary>
/// Decisions per second for rules/default.yaml over a realistic mix of changes: the compiled rule set,
/// side by side with a hand-written C# function (the baseline) and RulesEngine's ExecuteAllRulesAsync
/// called per change. Each benchmark decides the whole mix; divide by <see cref="MixSize"/> for one decision.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    public const int MixSize = 4096;

    private ChangeFacts[] _mix = [];
    // Both policies are called through the port the reconciliation step uses, so dispatch costs the same.
#pragma warning disable CA1859
    private IDecisionPolicy _compiled = null!;
    private IDecisionPolicy _handWritten = null!;
#pragma warning restore CA1859
    private CompiledRuleSet _ruleSet = null!;
    private RulesEngine.RulesEngine _rulesEngine = null!;
    private string _workflow = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _mix = ChangeMix.Create(MixSize, seed: 20200222);
        _ruleSet = ShippedRules.Compile("default.yaml");
        _compiled = _ruleSet;
        _handWritten = new HandWrittenDefaultPolicy(_ruleSet.Hash);
        ShippedRules.AssertAgree(_compiled, _handWritten);
        var workflow = RulesEngineWorkflow.From(_ruleSet.Model);
        _workflow = workflow.WorkflowName;
        _rulesEngine = new RulesEngine.RulesEngine([workflow], RulesEngineWorkflow.Settings);
        foreach (var facts in _mix.Take(256))
        {
            var viaRulesEngine = DecideWithRulesEngine(facts).GetAwaiter().GetResult();
            if (viaRulesEngine != _compiled.Decide(facts).Rule)
            {
                throw new InvalidOperationException($"RulesEngine workflow chose {viaRulesEngine}, compiled chose {_compiled.Decide(facts).Rule}");
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = MixSize)]
    public int HandWritten()
    {
        var sum = 0;
        foreach (ref readonly var facts in _mix.AsSpan())
        {
            sum += (int)_handWritten.Decide(facts).Action;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = MixSize)]
    public int Compiled()
    {
        var sum = 0;
        foreach (ref readonly var facts in _mix.AsSpan())
        {
            sum += (int)_compiled.Decide(facts).Action;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = MixSize)]
    public async Task<int> RulesEngineExecuteAllPerChange()
    {
        var sum = 0;
        foreach (var facts in _mix)
        {
            sum += (await DecideWithRulesEngine(facts)).Length;
        }

        return sum;
    }

    private async Task<string> DecideWithRulesEngine(ChangeFacts facts)
    {
        var results = await _rulesEngine.ExecuteAllRulesAsync(_workflow, RulesEngineWorkflow.Input(facts));
        return results.First(r => r.IsSuccess).Rule.RuleName;
    }
}
