using System.Globalization;
using ResultCache;
using Shop;

// One version of a service, run beside another against one Redis, as a rolling deploy does.
// Usage: dotnet ResultCache.RollingDeploy.V1.dll HOST:PORT CALLS
// Prints one line per call, then how many of the calls ran GetCore.
using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = args[0] });
CacheStore.Configure(store);

var reports = new Reports();
int calls = int.Parse(args[1], CultureInfo.InvariantCulture);
for (int id = 1; id <= calls; id++)
{
    Console.WriteLine($"{id}: {reports.Get(id).Describe()}");
}
Console.WriteLine($"core runs: {Reports.CoreRuns}");
