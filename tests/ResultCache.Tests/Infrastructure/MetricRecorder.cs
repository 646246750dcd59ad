using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ResultCache.Tests.Infrastructure;

/// <summary>Collects every measurement of the ResultCache meter while it lives.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ResultCacheTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
        _listener.Start();
    }

    public void ObserveGauges() => _listener.RecordObservableInstruments();

    public double Sum(string instrument, string tag, string value) => Matching(instrument, tag, value).Sum(m => m.Value);

    /// <summary>The sum of the measurements that carry every one of <paramref name="tags"/>: tests running beside this one record too.</summary>
    public double Sum(string instrument, params (string Tag, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(f => m.Tags.Any(t => t.Key == f.Tag && (string?)t.Value == f.Value))).Sum(m => m.Value);

    public int Count(string instrument, string tag, string value) => Matching(instrument, tag, value).Count();

    public double Last(string instrument, string tag, string value) => Matching(instrument, tag, value).Last().Value;

    /// <summary>Each measurement of <paramref name="instrument"/> that carries the tag, in the order they were recorded.</summary>
    public double[] Values(string instrument, string tag, string value) => Matching(instrument, tag, value).Select(m => m.Value).ToArray();

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string instrument, string tag, string value) =>
        _measurements.Where(m => m.Instrument == instrument && m.Tags.Any(t => t.Key == tag && (string?)t.Value == value));
}
