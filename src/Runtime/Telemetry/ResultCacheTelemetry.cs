using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ResultCache;

/// <summary>
/// The names to subscribe to: the <see cref="Meter"/> (counters <c>cache.hits</c>, <c>cache.misses</c>,
/// <c>cache.coalesced</c>, <c>cache.bypasses</c>, <c>cache.errors</c>, <c>cache.invalidations</c>, <c>cache.too_large</c>,
/// <c>cache.leases</c>, <c>cache.evictions</c>, gauge <c>cache.redis.gate.state</c>, histogram <c>cache.duration</c>) and
/// the <see cref="ActivitySource"/> of spans around Redis operations.
/// Nothing is recorded while nobody listens.
/// </summary>
public static class ResultCacheTelemetry
{
    /// <summary>The meter's name, for <c>AddMeter</c> in OpenTelemetry or a <see cref="MeterListener"/>.</summary>
    public const string MeterName = "ResultCache";

    /// <summary>The activity source's name, for <c>AddSource</c> in OpenTelemetry or an <see cref="ActivityListener"/>.</summary>
    public const string ActivitySourceName = "ResultCache";
}
