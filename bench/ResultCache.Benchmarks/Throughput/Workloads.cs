namespace ResultCache.Benchmarks.Throughput;

/// <summary>
/// A key stream: ids drawn from a Zipf distribution (exponent 0.9, the skew of web and database traces) over a key
/// space, and how many entries each contender may hold. Drawn once, so every contender replays the same ids.
/// </summary>
public sealed class Workload
{
    private Workload(string name, string description, int capacity, int[] ids)
    {
        Name = name;
        Description = description;
        Capacity = capacity;
        Ids = ids;
    }

    public string Name { get; }

    public string Description { get; }

    public int Capacity { get; }

    /// <summary>The ids to request; thread <c>t</c> of a cell starts at its own offset and wraps.</summary>
    public int[] Ids { get; }

    public static Workload Hits() => new("hits", "100 000 keys, Zipf 0.9, all held", 200_000, Zipf(100_000, 0.9, 1 << 22, seed: 1));

    public static Workload Churn() => new("churn", "2 000 000 keys, Zipf 0.9, 10 000 held", 10_000, Zipf(2_000_000, 0.9, 1 << 22, seed: 2));

    public static Workload Hot() => new("hot", "one key", 10_000, new int[1 << 16]);

    public static Workload ByName(string name) => name switch
    {
        "hits" => Hits(),
        "churn" => Churn(),
        "hot" => Hot(),
        _ => throw new ArgumentException($"Unknown workload \"{name}\": use hits, churn or hot."),
    };

    // Inverse transform over the cumulative distribution; ids are shuffled so popularity has no order in the key space.
    private static int[] Zipf(int keys, double exponent, int samples, int seed)
    {
        var cumulative = new double[keys];
        double sum = 0;
        for (int rank = 0; rank < keys; rank++)
        {
            sum += 1 / Math.Pow(rank + 1, exponent);
            cumulative[rank] = sum;
        }
        var random = new Random(seed);
        int[] permutation = [.. Enumerable.Range(0, keys)];
        random.Shuffle(permutation);
        var ids = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            int rank = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            ids[i] = permutation[rank < 0 ? ~rank : rank];
        }
        return ids;
    }
}
