namespace ResultCache;

/// <summary>
/// Hits, noted for the eviction policy without a lock: each thread writes the entry it read into a small ring of its
/// stripe, and the policy replays the rings under its lock later. Lossy on purpose: a hit that overwrites an unread
/// slot, or races another thread for it, is simply not counted, which frequency estimates tolerate. A hit costs a
/// few stores and never waits.
/// </summary>
internal sealed class AccessBuffer
{
    private const int SlotsPerStripe = 32;

    private readonly Stripe[] _stripes;
    private readonly int _stripeMask;

    public AccessBuffer()
    {
        int stripes = (int)Math.Min(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount), 16);
        _stripes = new Stripe[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new Stripe();
        }
        _stripeMask = stripes - 1;
    }

    /// <summary>Notes a hit on <paramref name="entry"/>; true when its stripe just filled, so the caller should replay.</summary>
    public bool Record(InProcessEntry entry)
    {
        Stripe stripe = _stripes[Environment.CurrentManagedThreadId & _stripeMask];
        int head = stripe.Head++;
        stripe.Slots[head & (SlotsPerStripe - 1)].Entry = entry;
        return (head & (SlotsPerStripe - 1)) == SlotsPerStripe - 1;
    }

    /// <summary>Hands every noted hit to <paramref name="replay"/> and empties the rings.</summary>
    public void Drain<TState>(TState state, Action<TState, InProcessEntry> replay)
    {
        foreach (Stripe stripe in _stripes)
        {
            Slot[] slots = stripe.Slots;
            for (int i = 0; i < slots.Length; i++)
            {
                if (Interlocked.Exchange(ref slots[i].Entry, null) is { } entry)
                {
                    replay(state, entry);
                }
            }
        }
    }

    // A struct around the reference, so storing it skips the array covariance check.
    private struct Slot
    {
        public InProcessEntry? Entry;
    }

    private sealed class Stripe
    {
        public readonly Slot[] Slots = new Slot[SlotsPerStripe];
        public int Head;
    }
}
