namespace ResultCache.Benchmarks.HitRatio;

/// <summary>Deterministic request traces (fixed seeds): the same keys in the same order on every run and machine.</summary>
public static class Traces
{
    public const int KeySpace = 1_000_000;

    /// <summary>Zipf(0.9) over a million keys: a few keys are asked for very often, most rarely.</summary>
    public static long[] Zipf(int requests, int seed = 1) => ZipfSampler.Create(KeySpace, 0.9).Sample(requests, new Random(seed));

    /// <summary>
    /// The Zipf trace mixed half and half with one-off sequential scans: blocks of 10 000 Zipf requests alternate with
    /// blocks of 10 000 keys never asked for before or after (a report, a crawler, a batch job).
    /// </summary>
    public static long[] ZipfWithScans(int requests, int seed = 2)
    {
        long[] zipf = ZipfSampler.Create(KeySpace, 0.9).Sample(requests / 2, new Random(seed));
        var trace = new long[(requests / 2) * 2];
        long nextScanKey = KeySpace; // scan keys lie outside the Zipf key space: each is asked for once
        int z = 0;
        for (int i = 0; i < trace.Length; i++)
        {
            trace[i] = (i / 10_000) % 2 == 0 ? zipf[z++] : nextScanKey++;
        }
        return trace;
    }

    /// <summary>
    /// A hot set of 5 000 keys takes 90 % of the requests, the rest spread over a million; every 100 000 requests the
    /// hot set moves to 5 000 other keys. Tests how fast a policy forgets what was popular.
    /// </summary>
    public static long[] ShiftingHotSet(int requests, int seed = 3)
    {
        const int HotKeys = 5_000;
        const int Phase = 100_000;
        var random = new Random(seed);
        var trace = new long[requests];
        for (int i = 0; i < requests; i++)
        {
            long hotBase = (long)(i / Phase) * HotKeys * 7;
            trace[i] = random.NextDouble() < 0.9 ? (hotBase + random.Next(HotKeys)) % KeySpace : random.Next(KeySpace);
        }
        return trace;
    }

    /// <summary>Inverse-CDF sampling of a Zipf distribution: rank r is drawn with probability proportional to 1 / r^s.</summary>
    private sealed class ZipfSampler(double[] cumulative)
    {
        public static ZipfSampler Create(int keys, double s)
        {
            var cumulative = new double[keys];
            double sum = 0;
            for (int rank = 1; rank <= keys; rank++)
            {
                sum += 1 / Math.Pow(rank, s);
                cumulative[rank - 1] = sum;
            }
            for (int i = 0; i < keys; i++)
            {
                cumulative[i] /= sum;
            }
            return new ZipfSampler(cumulative);
        }

        public long[] Sample(int count, Random random)
        {
            var keys = new long[count];
            for (int i = 0; i < count; i++)
            {
                int index = Array.BinarySearch(cumulative, random.NextDouble());
                keys[i] = index < 0 ? ~index : index;
            }
            return keys;
        }
    }
}
