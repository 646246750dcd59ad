namespace ResultCache;

/// <summary>
/// The bounds of an in-process table: at most <see cref="MaxEntries"/> entries, at most <see cref="MaxBytes"/> of
/// estimated size, and no single entry over <see cref="MaxEntryBytes"/>. Both bounds become one: the capacity is
/// <see cref="MaxEntries"/> slots of <c>MaxBytes / MaxEntries</c> bytes, and an entry costs the slots its size needs
/// (at least one). Staying within the slots keeps both the count and the bytes within their bounds.
/// </summary>
internal readonly record struct InProcessLimits(int MaxEntries, long MaxBytes, long MaxEntryBytes)
{
    /// <summary>The share of the memory the GC may use that a table takes by default: a quarter.</summary>
    public const int DefaultBudgetDivisor = 4;

    /// <summary>The share of the budget one entry may take by default: a tenth.</summary>
    public const int DefaultEntryDivisor = 10;

    /// <summary>A quarter of what the GC reports as available, which honours container limits and <c>GCHeapHardLimit</c>.</summary>
    public static long DefaultMaxBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / DefaultBudgetDivisor;

    /// <summary>The limits from settings, a missing byte bound taking its default.</summary>
    public static InProcessLimits From(int maxEntries, long? maxBytes, long? maxEntryBytes)
    {
        long budget = maxBytes ?? DefaultMaxBytes;
        return new InProcessLimits(maxEntries, budget, maxEntryBytes ?? Math.Max(1, budget / DefaultEntryDivisor));
    }

    /// <summary>Checks one options class's bounds; the message names the setting and what it must be.</summary>
    public static void Validate(string owner, int maxEntries, long? maxBytes, long? maxEntryBytes)
    {
        if (maxEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntries), maxEntries, $"{owner}.MaxEntries must be at least 1.");
        }
        if (maxBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), maxBytes, $"{owner}.MaxBytes must be positive, or null for a quarter of the memory available to the GC.");
        }
        if (maxEntryBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntryBytes), maxEntryBytes, $"{owner}.MaxEntryBytes must be positive, or null for a tenth of MaxBytes.");
        }
    }

    /// <summary>Bytes per slot.</summary>
    public long SlotBytes => Math.Max(1, MaxBytes / MaxEntries);

    /// <summary>The slots an entry of <paramref name="bytes"/> takes.</summary>
    public int CostOf(long bytes) => (int)Math.Clamp((bytes + SlotBytes - 1) / SlotBytes, 1, MaxEntries);
}
