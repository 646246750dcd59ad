using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using ResultCache;

namespace WebApi;

/// <summary>
/// Listens to the ResultCache meter and renders what it saw in the Prometheus text format. A production app would use
/// the OpenTelemetry Prometheus exporter with <c>AddMeter(ResultCacheTelemetry.MeterName)</c>; this keeps the sample small.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), double> _values = new();

    public PrometheusMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ResultCacheTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Set(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (((string name, string labels), double value) in _values.OrderBy(p => p.Key.Name).ThenBy(p => p.Key.Labels))
        {
            text.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Counters become *_total; a histogram is summarised as its *_sum and *_count.
        string name = Name(instrument);
        string labels = Labels(tags);
        if (instrument is Histogram<double>)
        {
            _values.AddOrUpdate((name + "_seconds_sum", labels), value, (_, sum) => sum + value);
            _values.AddOrUpdate((name + "_seconds_count", labels), 1, (_, count) => count + 1);
        }
        else
        {
            _values.AddOrUpdate((name + "_total", labels), value, (_, sum) => sum + value);
        }
    }

    private void Set(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _values[(Name(instrument), Labels(tags))] = value;

    private static string Name(Instrument instrument) => instrument.Name.Replace('.', '_');

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }
        var labels = new List<string>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            labels.Add($"{tag.Key.Replace('.', '_')}=\"{tag.Value}\"");
        }
        return "{" + string.Join(",", labels) + "}";
    }
}
