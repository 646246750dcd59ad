using System.Text.Json.Serialization;
using ResultCache.CompilerServices;

namespace ResultCache.Tests;

// Compiled into the tests and into the instance process alike, so both compute the same keys.

/// <summary>The work behind <see cref="FleetReports"/>, shared by every instance so the test counts runs fleet-wide.</summary>
public sealed class FleetWork(Func<int, Task<string>> body)
{
    private int _runs;

    public Func<int, Task<string>> Body { get; set; } = body;

    public int Runs => Volatile.Read(ref _runs);

    public Task<string> RunAsync(int id)
    {
        Interlocked.Increment(ref _runs);
        return Body(id);
    }
}

/// <summary>An expensive report that a fleet computes once per key.</summary>
[CacheSerializer(typeof(FleetJson))]
public sealed partial class FleetReports(CacheStore store, FleetWork work)
{
    private CacheStore CacheStore => store;

    // The method's CachedMethod lives in a generated static field; read its count through the type's field.
    public static int InFlight =>
        ((CachedMethod<string>)typeof(FleetReports).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Single(f => f.Name.StartsWith("__cache_BuildAsync_", StringComparison.Ordinal)).GetValue(null)!).InFlight;

    [CacheResult(300, SingleFlightAcrossInstances = true)]
    public partial Task<string> BuildAsync(int id);

    private Task<string> BuildAsyncCore(int id) => work.RunAsync(id);

    [CacheResult(300, SingleFlightAcrossInstances = true)]
    public partial string Build(int id);

    // A synchronous ...Core blocks its thread, as synchronous work does.
    private string BuildCore(int id) => work.RunAsync(id).GetAwaiter().GetResult();
}

[JsonSerializable(typeof(string))]
public sealed partial class FleetJson : JsonSerializerContext;
