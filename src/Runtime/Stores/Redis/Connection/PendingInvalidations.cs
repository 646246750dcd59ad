namespace ResultCache;

/// <summary>
/// Keys whose deletion failed or was skipped while the gate was closed. They are deleted when a probe
/// reaches Redis again, before the gate reopens, so no caller of this process reads the stale entry.
/// </summary>
internal sealed class PendingInvalidations(int capacity)
{
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

    /// <summary>Remembers a key. Returns false for the first key dropped at the bound since the last replay, so the drop is logged once.</summary>
    public bool Add(string key)
    {
        lock (_keys)
        {
            if (_keys.Count < capacity || _keys.Contains(key))
            {
                _keys.Add(key);
                return true;
            }
            bool first = !_overflowed;
            _overflowed = true;
            return !first;
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
            Add(key);
        }
    }
}
