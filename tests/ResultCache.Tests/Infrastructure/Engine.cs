namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// The trait of the tests scripts/test.sh runs a second time against Garnet (RESULTCACHE_TEST_GARNET, see
/// <see cref="RedisServer.Garnet"/>): <c>[Trait(Engine.Name, Engine.Garnet)]</c>, selected with
/// <c>--filter "Engine=Garnet"</c>. They cover reads, writes, tags, invalidation, the local layer, batches, outages and
/// leases (single flight across instances). Against redis-server the filter selects the same tests.
/// <para>
/// Left out, because they need what only redis-server has, not because ResultCache behaves differently:
/// counting commands or connections (Garnet's INFO reports total_commands_processed and connected_clients as 0 and
/// has no commandstats: the batch's one-MGET and tag invalidation's constant-work tests, the local layer's limits,
/// the over-the-cap write, connection disposal, the fault scenarios and flaps, the hosting tests that watch
/// connections); redis-server options or CONFIG SET (the OOM test, clusters, ACL users: Garnet needs --auth Acl);
/// CLIENT KILL, DEBUG SLEEP and CONFIG SET requirepass (the fault scenarios).
/// </para>
/// <para>
/// Also left out: BadEntryTests' tagged entry holding a list. Garnet 2.2.12 answers a GET of a list key with nil
/// instead of WRONGTYPE when the GET is pipelined with others (a lone GET gets WRONGTYPE), so the entry is an unlogged
/// miss (and is overwritten, as on Redis). Redis answers WRONGTYPE either way.
/// </para>
/// <para>
/// And RedisStoreTests' Idle_connection_is_health_checked...: against a SIGSTOPped Garnet the store stayed Available past
/// the wait in 2 of 4 runs (cause not found yet). IdleBlackholeTests covers the same path on Garnet (a dead idle connection
/// found by the health check before a request needs it) through the fault proxy, and passed every run.
/// </para>
/// </summary>
public static class Engine
{
    public const string Name = "Engine";

    public const string Garnet = "Garnet";
}
