using System.Globalization;

namespace ResultCache.Tests.Infrastructure;

/// <summary>Reads samples from the Prometheus text format, as an exporter writes it (any label order, extra labels).</summary>
public static class PrometheusText
{
    /// <summary>
    /// The value of the one sample named <paramref name="name"/> that has every label in <paramref name="labels"/>
    /// (each <c>key=value</c>, unquoted); fails when none or several match.
    /// </summary>
    public static double Value(string text, string name, params string[] labels)
    {
        var matches = new List<double>();
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name + "{", StringComparison.Ordinal))
            {
                continue;
            }
            int close = line.LastIndexOf('}');
            HashSet<string> present = Labels(line[(name.Length + 1)..close]);
            if (labels.All(present.Contains))
            {
                string value = line[(close + 1)..].Trim().Split(' ')[0];
                matches.Add(double.Parse(value, CultureInfo.InvariantCulture));
            }
        }
        Assert.True(matches.Count == 1, $"Expected one sample {name} with {string.Join(", ", labels)}; found {matches.Count} in:\n{text}");
        return matches[0];
    }

    private static HashSet<string> Labels(string body)
    {
        // key="value",key="value": values here hold no quotes or commas.
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (string pair in body.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            labels.Add(pair.Replace("\"", string.Empty, StringComparison.Ordinal));
        }
        return labels;
    }
}
