using System.Diagnostics;
using System.Text.Json.Serialization;
using ResultCache;

[assembly: CacheSerializer(typeof(BudgetJson))]

// Caches <results> distinct results of <mb> MB each on the embedded store, asking for one hot key between them, and
// prints a line per 100 results: results cached so far, the GC heap, the process's resident memory, the entries held.
// The last line gives the hot key's hit ratio. Run it under DOTNET_GCHeapHardLimit to see the budget hold.
//   dotnet ResultCache.MemoryBudgetApp.dll [results=3000] [mb=2] [budget: default | off]
// Or, with "poison <redis>", the hostile-Redis run of PoisonedRedis.cs.
if (args is ["poison", string redis])
{
    return await PoisonedRedis.RunAsync(redis);
}
int results = args.Length > 0 ? int.Parse(args[0]) : 3000;
int megabytes = args.Length > 1 ? int.Parse(args[1]) : 2;
bool budgetOff = args.Length > 2 && args[2] == "off";

// "off" gives the store no byte bound at all (the store as it was before it had one): entry count only.
var store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxBytes = budgetOff ? long.MaxValue / 2 : null, MaxEntryBytes = budgetOff ? long.MaxValue / 2 : null });
var reports = new Reports(store, megabytes);
var clock = Stopwatch.StartNew();
Console.WriteLine("results,seconds,gc_heap_mb,resident_mb,entries");
for (int i = 0; i < results; i++)
{
    reports.Render(i);
    reports.Render(-1); // the hot key
    if ((i + 1) % 100 == 0)
    {
        Console.WriteLine($"{i + 1},{clock.Elapsed.TotalSeconds:F2},{GC.GetTotalMemory(false) >> 20},{Environment.WorkingSet >> 20},{store.Count}");
    }
}
Console.WriteLine($"hot-key hit ratio: {(double)(results - reports.HotCoreCalls) / results:F3}");
return 0;

public sealed partial class Reports(CacheStore store, int megabytes)
{
    private CacheStore CacheStore => store;

    public int HotCoreCalls { get; private set; }

    [CacheResult(3600)]
    public partial string Render(int id);

    // A large result: megabytes of text (UTF-16, so half as many characters).
    private string RenderCore(int id)
    {
        if (id < 0)
        {
            HotCoreCalls++;
        }
        return new string((char)('a' + (Math.Abs(id) % 26)), megabytes * 1024 * 1024 / 2);
    }
}

[JsonSerializable(typeof(string))]
public sealed partial class BudgetJson : JsonSerializerContext;
