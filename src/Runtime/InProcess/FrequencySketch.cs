using System.Numerics;

namespace ResultCache;

/// <summary>
/// How often each key was asked for lately, kept for keys held and keys not held alike, in about half a byte per
/// entry: a count-min sketch of four rows of 4-bit counters. It is what lets the store refuse a one-off key that would
/// push out a popular one (TinyLFU admission). Counts age: after three samples per counter every count is halved, so a
/// key that was popular yesterday does not stay forever. Not thread-safe: used only under the table's policy lock.
/// </summary>
internal sealed class FrequencySketch
{
    private const int Rows = 4;
    private const int MaxCount = 15;

    private ulong[] _table = [];   // 16 counters per word; row r of a key's counters lies in its own quarter
    private int _counterMask;
    private int _samples;
    private int _sampleLimit;

    public FrequencySketch() => Resize(64);

    /// <summary>How many keys the sketch tells apart well; it grows with the table, and starts afresh when it does.</summary>
    public int Capacity { get; private set; }

    /// <summary>Makes room for <paramref name="entries"/> keys: at least one counter per key and row.</summary>
    public void EnsureCapacity(int entries)
    {
        if (entries > Capacity)
        {
            Resize(entries);
        }
    }

    /// <summary>The estimated number of recent requests for <paramref name="key"/>, 0 to 15.</summary>
    public int Frequency(UInt128 key)
    {
        int min = MaxCount;
        for (int row = 0; row < Rows; row++)
        {
            min = Math.Min(min, Read(Index(key, row)));
        }
        return min;
    }

    /// <summary>Counts <paramref name="requests"/> requests for <paramref name="key"/>.</summary>
    public void Increment(UInt128 key, int requests = 1)
    {
        bool added = false;
        for (int row = 0; row < Rows; row++)
        {
            int index = Index(key, row);
            int count = Read(index);
            if (count < MaxCount)
            {
                _table[index >> 4] += (ulong)Math.Min(requests, MaxCount - count) << ((index & 15) << 2);
                added = true;
            }
        }
        if (added && (_samples += requests) >= _sampleLimit)
        {
            Halve();
        }
    }

    private void Resize(int entries)
    {
        Capacity = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(entries, 16)), 1 << 26);
        int counters = Capacity * Rows;
        _table = new ulong[counters / 16];
        _counterMask = Capacity - 1;
        _sampleLimit = 3 * Capacity; // measured on the hit-ratio traces: ten (TinyLFU's paper) forgets a shifted hot set too slowly
        _samples = 0;
    }

    // Each row takes other bits of the (already uniformly mixed) 128-bit key hash, and lies in its own quarter of the table.
    private int Index(UInt128 key, int row)
    {
        ulong bits = row < 2 ? (ulong)key : (ulong)(key >> 64);
        int slot = (int)((row % 2 == 0 ? bits : bits >> 32) & (uint)_counterMask);
        return (row * Capacity) + slot;
    }

    private int Read(int index) => (int)((_table[index >> 4] >> ((index & 15) << 2)) & 0xF);

    // Halves every counter at once: shift each word right by one and clear the bit each counter took from its neighbour.
    private void Halve()
    {
        for (int i = 0; i < _table.Length; i++)
        {
            _table[i] = (_table[i] >> 1) & 0x7777_7777_7777_7777UL;
        }
        _samples /= 2;
    }
}
