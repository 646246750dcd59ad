using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>Timing- and memory-sensitive suites run alone, so other tests' load does not pass for slow calls or leaks.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability";
}

/// <summary>Every scenario of docs/reliability.md, each checked against the goals of the fault suite.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class FaultScenarioTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios => new(FaultScenario.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Callers_never_see_the_fault_and_caching_resumes(string name)
    {
        ScenarioResult result = await ScenarioRunner.RunAsync(FaultScenario.All.Single(s => s.Name == name));
        ReliabilityReport.Write(output, result);

        Assert.True(result.Exceptions == 0, $"{result.Exceptions} exceptions reached callers; the first: {result.FirstException}");
        // Only calls already waiting on Redis when the fault hit may be slow: at most one per caller, each within one timeout.
        Assert.Equal(0, result.SlowCallsWhileGateClosed);
        Assert.InRange(result.SlowCalls, 0, ScenarioRunner.Callers);
        Assert.True(result.MaxLatency <= ScenarioRunner.OperationTimeout + ReliabilityService.CoreTime + TimeSpan.FromSeconds(1),
            $"A call took {result.MaxLatency}.");
        Assert.True(result.FirstHitAfterFaultEnd is { } recovered && recovered <= ScenarioRunner.Backoff + TimeSpan.FromSeconds(1),
            $"Redis hits resumed {result.FirstHitAfterFaultEnd?.ToString() ?? "never"} after the fault ended.");
        Assert.Equal(result.ClientsBefore, result.ClientsAfter);
        // The database takes no stampede: each key runs ...Core about once for the whole fault, whatever its length
        // (plus the calls already in flight when it hit), not once per call.
        Assert.InRange(result.CoreRunsDuringFault, 0, ScenarioRunner.Keys + ScenarioRunner.Callers);
    }
}
