namespace ResultCache;

/// <summary>
/// Keys whose deletion failed or was skipped while the gate was closed. They are deleted when a probe
/// reaches Redis again, before the gate reopens, so no caller of this process reads the stale entry.
/// </summary>
internal sealed class PendingInvalidations(int capacity)
{
    /// <summary>How many invalidations a store remembers while Redis is unreachable; past it, each one more is logged as dropped.</summary>
    public const int Capacity = 100_000;

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private bool _overflowed;

    public bool IsEmpty
    {
        get
        {
            lock (_keys)
            {
                return _keys.Count == 0;
            }
        }
    }

    /// <summary>
    /// Remembers a key; past the bound it is dropped. Returns whether the caller should log a drop: true for the first
    /// key dropped since the last replay only, so a long outage logs once.
    /// </summary>
    public bool AddOrReportFirstDrop(string key)
    {
        lock (_keys)
        {
            if (_keys.Count < capacity || _keys.Contains(key))
            {
                _keys.Add(key);
                return false;
            }
            bool first = !_overflowed;
            _overflowed = true;
            return first;
        }
    }

    /// <summary>Takes every remembered key.</summary>
    public string[] TakeAll()
    {
        lock (_keys)
        {
            string[] keys = [.. _keys];
            _keys.Clear();
            _overflowed = false;
            return keys;
        }
    }

    /// <summary>Puts keys back after a replay that failed.</summary>
    public void Restore(IEnumerable<string> keys)
    {
        foreach (string key in keys)
        {
            AddOrReportFirstDrop(key);
        }
    }
}
