using System.Numerics;
using System.Runtime.InteropServices;

namespace ResultCache;

/// <summary>
/// Entries put in or taken out of an in-process table, waiting for its <see cref="EvictionPolicy"/>: one bounded ring
/// per processor, so writers on different cores write to different memory and take no lock. The policy's holder drains
/// every ring in one go, so the policy's lists stay in one core's cache while the writers go on.
/// </summary>
internal sealed class PolicyBuffer
{
    /// <summary>How many entries one ring holds.</summary>
    public const int RingSize = 128;

    private readonly Ring[] _rings;

    public PolicyBuffer()
    {
        _rings = new Ring[BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 256))];
        for (int i = 0; i < _rings.Length; i++)
        {
            _rings[i] = new Ring();
        }
    }

    /// <summary>Queues an entry on the ring of the calling thread's processor: how many that ring now holds, or 0 if it was full.</summary>
    public int TryAdd(InProcessEntry entry)
    {
        Ring ring = _rings[Thread.GetCurrentProcessorId() & (_rings.Length - 1)];
        while (true)
        {
            long tail = Volatile.Read(ref ring.Tail);
            long held = tail - Volatile.Read(ref ring.Head);
            if (held >= RingSize)
            {
                return 0;
            }
            if (Interlocked.CompareExchange(ref ring.Tail, tail + 1, tail) == tail)
            {
                Volatile.Write(ref ring.Slots[tail & (RingSize - 1)], entry);
                return (int)held + 1;
            }
        }
    }

    /// <summary>
    /// Hands every queued entry to <paramref name="apply"/>, oldest first within a ring. Only the policy's holder calls
    /// it. A slot claimed but not yet written ends its ring's turn: that entry and those after it wait for the next drain.
    /// </summary>
    public void Drain<TState>(TState state, Action<TState, InProcessEntry> apply)
    {
        foreach (Ring ring in _rings)
        {
            long head = ring.Head;
            while (Volatile.Read(ref ring.Slots[head & (RingSize - 1)]) is { } entry)
            {
                ring.Slots[head & (RingSize - 1)] = null; // cleared before the head moves past it, so the slot is free when a writer claims it
                head++;
                apply(state, entry);
            }
            Volatile.Write(ref ring.Head, head);
        }
    }

    // A ring's counters on lines of their own: a writer claims a slot at Tail; the drainer moves Head.
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class Ring
    {
        [FieldOffset(0)]
        public readonly InProcessEntry?[] Slots = new InProcessEntry?[RingSize];

        [FieldOffset(64)]
        public long Tail;

        [FieldOffset(128)]
        public long Head;
    }
}
