namespace ResultCache;

/// <summary>
/// Trims every in-process table when the GC reports a high memory load, so a cache gives memory back before the
/// process runs out. It looks after each full (gen 2) collection, when the load figures are fresh: an object that
/// is never referenced is finalized after each such collection and registers itself again.
/// </summary>
internal sealed class MemoryPressure
{
    private static readonly List<WeakReference<InProcessEntries>> s_tables = [];
    private static bool s_started;

    private MemoryPressure()
    {
    }

    /// <summary>Has <paramref name="table"/> trimmed under memory pressure, for as long as it lives.</summary>
    public static void Watch(InProcessEntries table)
    {
        lock (s_tables)
        {
            if (!s_started)
            {
                s_started = true;
                _ = new MemoryPressure(); // unreferenced on purpose: its finalizer is the callback
            }
            s_tables.RemoveAll(static t => !t.TryGetTarget(out _));
            s_tables.Add(new WeakReference<InProcessEntries>(table));
        }
    }

    /// <summary>Whether the last collection found the memory load at or above the GC's own high-load threshold.</summary>
    public static bool IsHigh(GCMemoryInfo info) => info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes;

    ~MemoryPressure()
    {
        if (Environment.HasShutdownStarted)
        {
            return;
        }
        if (IsHigh(GC.GetGCMemoryInfo(GCKind.Any)))
        {
            foreach (InProcessEntries table in Tables())
            {
                table.TrimForMemoryPressure();
            }
        }
        GC.ReRegisterForFinalize(this);
    }

    private static List<InProcessEntries> Tables()
    {
        lock (s_tables)
        {
            var live = new List<InProcessEntries>(s_tables.Count);
            foreach (WeakReference<InProcessEntries> reference in s_tables)
            {
                if (reference.TryGetTarget(out InProcessEntries? table))
                {
                    live.Add(table);
                }
            }
            return live;
        }
    }
}
