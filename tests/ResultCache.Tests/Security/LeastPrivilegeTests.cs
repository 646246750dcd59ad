using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests.Security;

/// <summary>The runtime works as a Redis ACL user confined to its key prefix, with the README's exact ACL line.</summary>
public sealed class LeastPrivilegeTests
{
    /// <summary>The line documented in the README: keys under the prefix, and only the commands the runtime sends: the client sends SETEX for a write with a TTL, UNLINK to delete, and ECHO while connecting.</summary>
    public const string AclRules = "resetkeys ~rc:* resetchannels -@all +get +set +setex +del +unlink +ping +echo";

    /// <summary>What methods with SingleFlightAcrossInstances add, as the README says: the lease is given back by a script.</summary>
    public const string AclRulesForLeases = "+eval +evalsha +script|load +pttl";

    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public async Task Caching_tags_and_invalidation_work_as_a_user_limited_to_the_prefix()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string reply = await redis.CommandAsync(["ACL", "SETUSER", "resultcache", "on", ">cache-secret", .. AclRules.Split(' ')]);
        Assert.Equal("+OK", reply);
        var log = new LogSink();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = $"{redis.Configuration},user=resultcache,password=cache-secret,tiebreaker=",
            Logger = log,
        });
        var reports = new ProjectReports(store);
        var day = new DateOnly(2026, 11, 26);

        await reports.GetStatsAsync(Project, day);
        await reports.GetStatsAsync(Project, day);
        await reports.InvalidateGetStatsAsync(Project, day);
        await reports.GetStatsAsync(Project, day);
        await store.InvalidateTagAsync($"project:{Project}");
        await reports.GetStatsAsync(Project, day);
        await reports.GetStatsAsync(Project, day);

        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.True(reports.CoreCalls == 3, string.Join("\n", log.Entries)); // miss, hit, miss after the exact invalidation, miss after the tag, hit
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("error", StringComparison.OrdinalIgnoreCase));
        Assert.All(redis.Keys(), key => Assert.StartsWith("rc:", key));

        // The user really is confined: a key outside the prefix is refused.
        using ConnectionMultiplexer asUser = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},user=resultcache,password=cache-secret,tiebreaker=");
        RedisServerException refused = await Assert.ThrowsAsync<RedisServerException>(() => asUser.GetDatabase().StringSetAsync("other:key", "x"));
        Assert.StartsWith("NOPERM", refused.Message);
    }

    [Fact]
    public async Task Single_flight_across_instances_works_as_a_user_limited_to_the_prefix_with_the_lease_commands()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string reply = await redis.CommandAsync(["ACL", "SETUSER", "resultcache", "on", ">cache-secret", .. (AclRules + " " + AclRulesForLeases).Split(' ')]);
        Assert.Equal("+OK", reply);
        var log = new LogSink();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = $"{redis.Configuration},user=resultcache,password=cache-secret,tiebreaker=",
            Logger = log,
        });
        var work = new FleetWork(id => Task.FromResult($"report {id}"));
        var reports = new FleetReports(store, work);

        Assert.Equal("report 1", await reports.BuildAsync(1));
        Assert.Equal("report 1", await reports.BuildAsync(1));

        Assert.Equal(1, work.Runs);
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("error", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(redis.Keys("*:lease")); // given back by the script, not left to expire
    }

    [Fact]
    [Trait(Engine.Name, Engine.Garnet)]
    public async Task Without_scripts_leases_end_by_their_expiry_with_one_warning_and_no_stuck_wait()
    {
        // Garnet as it ships (Lua off) in the Garnet run; on redis-server, an ACL user who may take, read and time
        // leases, but not run the release script.
        await using RedisServer redis = RedisServer.Garnet is null ? await RedisServer.StartAsync() : await RedisServer.StartGarnetWithoutLuaAsync();
        string configuration = redis.Configuration;
        if (RedisServer.Garnet is null)
        {
            Assert.Equal("+OK", await redis.CommandAsync(["ACL", "SETUSER", "resultcache", "on", ">cache-secret", .. (AclRules + " +pttl").Split(' ')]));
            configuration += ",user=resultcache,password=cache-secret,tiebreaker=";
        }
        RedisCacheStore Instance(LogSink log) => new(new RedisCacheStoreOptions
        {
            Configuration = configuration,
            Logger = log,
            LeaseTime = TimeSpan.FromSeconds(1),
        });
        var logA = new LogSink();
        var logB = new LogSink();
        using RedisCacheStore storeA = Instance(logA);
        using RedisCacheStore storeB = Instance(logB);
        var failing = new FleetWork(id => id == 7 ? throw new InvalidOperationException("database down") : Task.FromResult($"report {id}"));
        var reportsA = new FleetReports(storeA, failing);
        var reportsB = new FleetReports(storeB, new FleetWork(id => Task.FromResult($"report {id}")));

        Assert.Equal("report 1", await reportsA.BuildAsync(1));
        Assert.Equal("report 1", await reportsB.BuildAsync(1)); // the value, stored before the lease could not be given back
        await Assert.ThrowsAsync<InvalidOperationException>(() => reportsA.BuildAsync(7)); // its lease stays until it expires

        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("report 7", await reportsB.BuildAsync(7).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(waited.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5)); // the lease time (1 s) and a poll, never a stuck wait

        (_, string warning) = Assert.Single(logA.Entries, e => e.Message.Contains("refused the script", StringComparison.Ordinal));
        Assert.Contains("--lua true", warning, StringComparison.Ordinal);
        Assert.Contains("+eval +evalsha", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(logA.Entries, e => e.Message.Contains("with an error", StringComparison.Ordinal)); // no server-error warning per release
        Assert.Equal(RedisStatus.Available, storeA.Status);
    }
}
