namespace ResultCache;

/// <summary>
/// Chooses what leaves a full table: W-TinyLFU, weighted by each entry's cost. New entries enter a small window
/// (1 % of the capacity at first). Entries leaving the window are candidates for the main part, and each is admitted
/// only if the sketch says it is asked for more often than the entry it would push out (the oldest of the probation
/// list). Probation entries hit again move to the protected list (80 % of the main part). So a burst of one-off keys
/// (a scan) passes through the window without pushing out what is popular, and a new popular key gets in as soon as
/// its count passes the weakest resident's.
/// </summary>
/// <remarks>
/// Hits are looked at lazily, so a hit costs one byte in the entry and no lock: an entry's <see cref="InProcessEntry.Hits"/>
/// are counted into the sketch when the entry reaches the old end of its list, and an entry hit since it was queued
/// gets a second chance there (to the recent end of the window or of the protected list, or from probation to
/// protected) instead of being evicted. The window's share adapts by hill climbing: after each sample of requests it
/// grows or shrinks by a step, kept in the direction that raised the hit ratio, so a workload whose popular keys keep
/// changing gets a larger window. The lists link the policy's own nodes by index, not the entries by reference: a
/// reorder writes only the policy's array, so it costs no GC write barrier and never writes to memory that readers of
/// the entries share. Not thread-safe: used only by the thread that holds the table's policy lock.
/// </remarks>
internal sealed class EvictionPolicy
{
    private const double InitialStepShare = 0.0625;   // the first hill-climbing step: this share of the capacity
    private const double StepDecay = 0.98;             // each step after is this much of the one before
    private const double RestartThreshold = 0.05;      // a change in hit ratio this large restarts the steps at full size
    private const int None = 0;                        // node 0 is never used: an index of 0 links to nothing

    private readonly long _capacity;
    private readonly Action<InProcessEntry> _evicted;
    private readonly FrequencySketch _sketch = new();
    private readonly SegmentList[] _lists = new SegmentList[4]; // by Segment; Segment.None's is unused
    private Node[] _nodes = new Node[64];
    private int _unused = 1;   // nodes from here on were never used
    private int _free;         // the first freed node, chained through Next; None when there is none
    private long _windowCapacity;
    private long _protectedCapacity;
    private long _hitsInSample;
    private long _missesInSample;
    private double _previousHitRatio;
    private double _step;

    /// <param name="capacity">The most cost the entries may add up to.</param>
    /// <param name="evicted">Told of each entry the policy drops, after it left the lists.</param>
    public EvictionPolicy(long capacity, Action<InProcessEntry> evicted)
    {
        _capacity = capacity;
        _step = -InitialStepShare * capacity; // the first step shrinks the window; the hit ratio then says which way to go
        ResizeWindow(Math.Max(1, capacity / 100));
        _evicted = evicted;
    }

    /// <summary>The cost of every entry held.</summary>
    public long Cost => _lists[(int)Segment.Window].Cost + _lists[(int)Segment.Probation].Cost + _lists[(int)Segment.Protected].Cost;

    /// <summary>How many entries are held.</summary>
    public int Count => _lists[(int)Segment.Window].Count + _lists[(int)Segment.Probation].Count + _lists[(int)Segment.Protected].Count;

    /// <summary>Takes in a new entry (a miss that was just computed), then evicts down to the capacity.</summary>
    public void Add(InProcessEntry entry)
    {
        _sketch.EnsureCapacity(Count + 1);
        _sketch.Increment(entry.Key);
        AddLast(Segment.Window, NewNode(entry));
        _missesInSample++;
        Climb();
        Evict(_capacity);
    }

    /// <summary>Takes an entry out (it was replaced, invalidated or found expired); the caller removes it from the table.</summary>
    public void Remove(InProcessEntry entry)
    {
        if (entry.PolicyNode != None)
        {
            Release(entry.PolicyNode);
        }
    }

    /// <summary>Forgets every entry; the frequencies stay.</summary>
    public void Clear()
    {
        for (int node = 1; node < _unused; node++)
        {
            if (_nodes[node].Entry is { } entry)
            {
                entry.PolicyNode = None;
            }
        }
        Array.Clear(_nodes);
        Array.Clear(_lists);
        _unused = 1;
        _free = None;
    }

    /// <summary>Evicts until the entries cost at most <paramref name="target"/>, least valuable first.</summary>
    public void Evict(long target)
    {
        // The window's overflow moves to probation; the first entry moved is the first candidate. One hit since it
        // was queued earns an entry another turn in the window.
        ref SegmentList window = ref _lists[(int)Segment.Window];
        int candidate = None;
        for (int turns = window.Count; window.Cost > _windowCapacity && window.First is var oldest and not None && turns-- > 0;)
        {
            Unlink(oldest);
            if (CountHits(oldest))
            {
                AddLast(Segment.Window, oldest);
                continue;
            }
            AddLast(Segment.Probation, oldest);
            if (candidate == None)
            {
                candidate = oldest;
            }
        }

        for (int turns = 2 * Count; Cost > target && turns-- > 0;)
        {
            int victim = FirstOf(Segment.Probation, Segment.Protected, Segment.Window);
            if (victim == None)
            {
                return;
            }
            if (victim != candidate && CountHits(victim))
            {
                SecondChance(victim); // hit since it was queued: not a victim yet
                continue;
            }
            if (candidate != None && victim != candidate && _nodes[victim].Segment == Segment.Probation)
            {
                if (CountHits(candidate))
                {
                    int next = _nodes[candidate].Next;
                    SecondChance(candidate);
                    candidate = next;
                    continue;
                }
                if (_sketch.Frequency(_nodes[candidate].Entry!.Key) <= _sketch.Frequency(_nodes[victim].Entry!.Key))
                {
                    victim = candidate; // the resident is asked for at least as often: the newcomer goes
                }
            }
            if (victim == candidate)
            {
                candidate = _nodes[candidate].Next;
            }
            InProcessEntry dropped = _nodes[victim].Entry!;
            Release(victim);
            _evicted(dropped);
        }
    }

    // Counts an entry's hits since the policy last looked into the sketch and the climber's sample; true if it had any.
    private bool CountHits(int node)
    {
        InProcessEntry entry = _nodes[node].Entry!;
        int hits = entry.Hits;
        if (hits == 0)
        {
            return false;
        }
        entry.Hits = 0;
        _sketch.Increment(entry.Key, hits);
        _hitsInSample += hits;
        return true;
    }

    // A hit entry moves to the recent end: probation and protected entries to protected (demoting its oldest if it
    // overflows), window entries within the window.
    private void SecondChance(int node)
    {
        if (_nodes[node].Segment == Segment.Window)
        {
            Unlink(node);
            AddLast(Segment.Window, node);
            return;
        }
        Unlink(node);
        AddLast(Segment.Protected, node);
        ref SegmentList protectedList = ref _lists[(int)Segment.Protected];
        for (int turns = protectedList.Count; protectedList.Cost > _protectedCapacity && protectedList.First is var oldest and not None && turns-- > 0;)
        {
            Unlink(oldest);
            AddLast(CountHits(oldest) ? Segment.Protected : Segment.Probation, oldest);
        }
    }

    // One hill-climbing step per sample of requests (eight per key the sketch tracks): move the window's size by the
    // step; keep the direction if the hit ratio rose, reverse it if it fell. Steps shrink, and restart at full size
    // when the hit ratio jumps, as it does when the workload changes.
    private void Climb()
    {
        long requests = _hitsInSample + _missesInSample;
        if (requests < 8L * _sketch.Capacity)
        {
            return;
        }
        double hitRatio = (double)_hitsInSample / requests;
        double change = hitRatio - _previousHitRatio;
        double amount = change >= 0 ? _step : -_step;
        _step = Math.Abs(change) >= RestartThreshold ? InitialStepShare * _capacity * Math.Sign(amount) : StepDecay * amount;
        _previousHitRatio = hitRatio;
        _hitsInSample = _missesInSample = 0;
        ResizeWindow((long)Math.Clamp(_windowCapacity + amount, 1, Math.Max(1, _capacity - 1)));
    }

    // The window takes its share; the protected list 80 % of the rest. Entries move lazily: an oversized window
    // passes its oldest entries on at the next eviction, an oversized protected list demotes at the next promotion.
    private void ResizeWindow(long windowCapacity)
    {
        _windowCapacity = Math.Max(1, windowCapacity);
        _protectedCapacity = (_capacity - _windowCapacity) * 8 / 10;
    }

    private int FirstOf(Segment first, Segment second, Segment third) =>
        _lists[(int)first].First is var node and not None ? node
        : _lists[(int)second].First is var next and not None ? next
        : _lists[(int)third].First;

    // A node for an entry: a freed one if any, else the next never used, growing the array when it is full.
    private int NewNode(InProcessEntry entry)
    {
        int node = _free;
        if (node != None)
        {
            _free = _nodes[node].Next;
        }
        else
        {
            if (_unused == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
            }
            node = _unused++;
        }
        _nodes[node].Entry = entry;
        entry.PolicyNode = node;
        return node;
    }

    // Takes a node out of its list and frees it; its entry then belongs to no list.
    private void Release(int node)
    {
        Unlink(node);
        ref Node released = ref _nodes[node];
        released.Entry!.PolicyNode = None;
        released.Entry = null; // a null store needs no GC write barrier
        released.Next = _free;
        _free = node;
    }

    private void AddLast(Segment segment, int node)
    {
        ref SegmentList list = ref _lists[(int)segment];
        ref Node added = ref _nodes[node];
        added.Segment = segment;
        added.Previous = list.Last;
        added.Next = None;
        if (list.Last == None)
        {
            list.First = node;
        }
        else
        {
            _nodes[list.Last].Next = node;
        }
        list.Last = node;
        list.Cost += added.Entry!.Cost;
        list.Count++;
    }

    private void Unlink(int node)
    {
        ref Node removed = ref _nodes[node];
        ref SegmentList list = ref _lists[(int)removed.Segment];
        if (removed.Previous == None)
        {
            list.First = removed.Next;
        }
        else
        {
            _nodes[removed.Previous].Next = removed.Next;
        }
        if (removed.Next == None)
        {
            list.Last = removed.Previous;
        }
        else
        {
            _nodes[removed.Next].Previous = removed.Previous;
        }
        removed.Previous = removed.Next = None;
        removed.Segment = Segment.None;
        list.Cost -= removed.Entry!.Cost;
        list.Count--;
    }

    /// <summary>An entry's place in the lists: its neighbours by index, and the list it is in.</summary>
    private struct Node
    {
        public InProcessEntry? Entry;
        public int Previous;
        public int Next;
        public Segment Segment;
    }

    /// <summary>One list of nodes, oldest first, with the entries' total cost.</summary>
    private struct SegmentList
    {
        public int First;
        public int Last;
        public long Cost;
        public int Count;
    }
}

/// <summary>The lists of the eviction policy.</summary>
internal enum Segment : byte
{
    None,
    Window,
    Probation,
    Protected,
}
