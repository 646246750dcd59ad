using System.Globalization;
using ResultCache;
using ResultCache.Tests;

// One instance of a service whose ...Core never finishes: FleetSingleFlightTests kills it while it holds the lease.
// Usage: dotnet ResultCache.FleetInstance.dll HOST:PORT LEASE_SECONDS ID
// Prints "computing" once its ...Core runs, that is, once it holds the key's lease.
using var store = new RedisCacheStore(new RedisCacheStoreOptions
{
    Configuration = args[0],
    LeaseTime = TimeSpan.FromSeconds(int.Parse(args[1], CultureInfo.InvariantCulture)),
});
var work = new FleetWork(async _ =>
{
    Console.WriteLine("computing");
    await Task.Delay(Timeout.InfiniteTimeSpan);
    return "never";
});
Console.WriteLine(await new FleetReports(store, work).BuildAsync(int.Parse(args[2], CultureInfo.InvariantCulture)));
