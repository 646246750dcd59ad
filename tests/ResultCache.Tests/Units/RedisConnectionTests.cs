using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Units;

/// <summary>
/// The connection unit's rules: its address is a loopback port nothing listens on, so every connect is refused at once,
/// until a test starts redis-server there. The clock is fake; only the refusals and the server are real.
/// </summary>
public sealed class RedisConnectionTests
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();
    private readonly List<RedisStatus> _signals = [];
    private readonly List<RedisStatus?> _gateAtSignal = []; // what the gate said as the store was told (null: before Create returned)
    private readonly List<RedisStatus> _gateAtReopened = []; // what the gate said as the store heard calls were admitted again
    private RedisConnection? _created;

    [Fact]
    public async Task The_first_connect_starts_at_creation_and_its_failure_is_one_signal_and_one_warning()
    {
        using RedisConnection connection = Create();

        Assert.Null(await connection.AdmitAsync(sync: false)); // waits for the refused connect, then stays in process
        Assert.Equal(RedisStatus.Unavailable, connection.Status);
        Assert.Null(connection.ForWrite("rc:any"));
        Assert.Equal([RedisStatus.Unavailable], Signals());
        Assert.Equal(1, _log.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task While_the_gate_is_closed_admission_answers_at_once_without_the_network()
    {
        using RedisConnection connection = Create();
        await connection.AdmitAsync(sync: false);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++)
        {
            ValueTask<StackExchange.Redis.IConnectionMultiplexer?> admitted = connection.AdmitAsync(sync: i % 2 == 0);
            Assert.True(admitted.IsCompletedSuccessfully);
            Assert.Null(await admitted);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"10 000 admissions took {clock.Elapsed}."); // generous: a shared machine
        Assert.Equal(RedisStatus.Unavailable, connection.Status);
    }

    [Fact]
    public async Task When_the_backoff_ends_the_probe_starts_without_any_call_and_a_failure_closes_the_gate_again()
    {
        using RedisConnection connection = Create();
        await connection.AdmitAsync(sync: false);

        _time.Advance(Backoff); // the probe timer fires; no call is made
        Assert.True(await Eventually.TrueAsync(() => _log.Entries.Any(e => e.Message.Contains("probe failed")), TimeSpan.FromSeconds(5)));

        Assert.Equal(RedisStatus.Unavailable, connection.Status);
        Assert.Equal([RedisStatus.Unavailable, RedisStatus.Unavailable], Signals()); // Connecting → Unavailable, Probing → Unavailable
        Assert.Equal(1, _log.Count(LogLevel.Warning)); // one warning per outage, not per probe
    }

    [Fact]
    public async Task The_store_hears_of_a_closing_before_the_gate_shuts()
    {
        // Otherwise a call could find the gate shut while the store still skips its in-process entries, and miss them.
        using RedisConnection connection = Create();
        await connection.AdmitAsync(sync: false);

        _time.Advance(Backoff); // the probe is refused: the gate shuts again
        Assert.True(await Eventually.TrueAsync(() => _log.Entries.Any(e => e.Message.Contains("probe failed")), TimeSpan.FromSeconds(5)));

        lock (_signals)
        {
            Assert.Equal(RedisStatus.Probing, _gateAtSignal[^1]);
        }
    }

    [Fact]
    public async Task An_invalidation_redis_missed_is_remembered_and_starts_a_due_probe()
    {
        using RedisConnection connection = Create();
        await connection.AdmitAsync(sync: false);
        _time.Advance(Backoff - TimeSpan.FromSeconds(1));
        int probesBefore = ProbeFailures();

        connection.Remember("rc:some:key"); // not due yet: nothing starts
        await Task.Delay(200);
        Assert.Equal(probesBefore, ProbeFailures());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Eventually.TrueAsync(() => ProbeFailures() > probesBefore, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_store_hears_of_a_reopening_before_the_gate_opens_and_again_once_calls_are_admitted()
    {
        // The store drops its local layer on the first signal, so no call admitted to Redis meets it, and its outage layer
        // on the second, so a call kept in process a moment before the gate opened still finds its key's value there.
        int port = RedisServer.FreePort();
        using RedisConnection connection = Create(port);
        await connection.AdmitAsync(sync: false); // refused: nothing listens yet
        await using RedisServer redis = await RedisServer.StartOnAsync(port);

        _time.Advance(Backoff); // the probe connects, and the gate opens
        Assert.True(await Eventually.TrueAsync(() => { lock (_signals) { return _gateAtReopened.Count > 0; } }, TimeSpan.FromSeconds(10)));
        lock (_signals)
        {
            Assert.Equal([RedisStatus.Unavailable, RedisStatus.Available], _signals);
            Assert.Equal(RedisStatus.Probing, _gateAtSignal[^1]);
            Assert.Equal([RedisStatus.Available], _gateAtReopened);
        }
    }

    private int ProbeFailures() => _log.Entries.Count(e => e.Message.Contains("probe failed"));

    private RedisStatus[] Signals()
    {
        lock (_signals)
        {
            return [.. _signals];
        }
    }

    private RedisConnection Create(int? port = null)
    {
        var options = new RedisCacheStoreOptions
        {
            Configuration = $"127.0.0.1:{port ?? RedisServer.FreePort()}",
            TimeProvider = _time,
            Logger = _log,
            FirstBackoff = Backoff, // a fixed backoff: these tests pin how long the gate stays closed
            Backoff = Backoff,
        };
        _created = new RedisConnection(options, options.Validate(), evictions: null, change =>
        {
            lock (_signals)
            {
                _signals.Add(change.After);
                _gateAtSignal.Add(_created?.Status);
            }
        }, nodeReopening: () => { }, reopened: _ =>
        {
            lock (_signals)
            {
                _gateAtReopened.Add(_created!.Status);
            }
        });
        return _created;
    }
}
