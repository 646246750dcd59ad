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
/// changing gets a larger window. Not thread-safe: used only by the thread that holds the table's policy lock.
/// </remarks>
internal sealed class EvictionPolicy
{
    private const double InitialStepShare = 0.0625;   // the first hill-climbing step: this share of the capacity
    private const double StepDecay = 0.98;             // each step after is this much of the one before
    private const double RestartThreshold = 0.05;      // a change in hit ratio this large restarts the steps at full size

    private readonly long _capacity;
    private readonly Action<InProcessEntry> _evicted;
    private readonly FrequencySketch _sketch = new();
    private readonly EntryList _window = new(Segment.Window);
    private readonly EntryList _probation = new(Segment.Probation);
    private readonly EntryList _protected = new(Segment.Protected);
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
    public long Cost => _window.Cost + _probation.Cost + _protected.Cost;

    /// <summary>How many entries are held.</summary>
    public int Count => _window.Count + _probation.Count + _protected.Count;

    /// <summary>Takes in a new entry (a miss that was just computed), then evicts down to the capacity.</summary>
    public void Add(InProcessEntry entry)
    {
        _sketch.EnsureCapacity(Count + 1);
        _sketch.Increment(entry.Key);
        _window.AddLast(entry);
        _missesInSample++;
        Climb();
        Evict(_capacity);
    }

    /// <summary>Takes an entry out (it was replaced, invalidated or found expired); the caller removes it from the table.</summary>
    public void Remove(InProcessEntry entry) => ListOf(entry.Segment)?.Remove(entry);

    /// <summary>Forgets every entry; the frequencies stay.</summary>
    public void Clear()
    {
        _window.Clear();
        _probation.Clear();
        _protected.Clear();
    }

    /// <summary>Evicts until the entries cost at most <paramref name="target"/>, least valuable first.</summary>
    public void Evict(long target)
    {
        // The window's overflow moves to probation; the first entry moved is the first candidate. One hit since it
        // was queued earns an entry another turn in the window.
        InProcessEntry? candidate = null;
        for (int turns = _window.Count; _window.Cost > _windowCapacity && _window.First is { } oldest && turns-- > 0;)
        {
            _window.Remove(oldest);
            if (CountHits(oldest))
            {
                _window.AddLast(oldest);
                continue;
            }
            _probation.AddLast(oldest);
            candidate ??= oldest;
        }

        for (int turns = 2 * Count; Cost > target && turns-- > 0;)
        {
            InProcessEntry? victim = _probation.First ?? _protected.First ?? _window.First;
            if (victim is null)
            {
                return;
            }
            if (victim != candidate && CountHits(victim))
            {
                SecondChance(victim); // hit since it was queued: not a victim yet
                continue;
            }
            if (candidate is not null && victim != candidate && victim.Segment == Segment.Probation)
            {
                if (CountHits(candidate))
                {
                    InProcessEntry? next = candidate.Next;
                    SecondChance(candidate);
                    candidate = next;
                    continue;
                }
                if (_sketch.Frequency(candidate.Key) <= _sketch.Frequency(victim.Key))
                {
                    victim = candidate; // the resident is asked for at least as often: the newcomer goes
                }
            }
            if (victim == candidate)
            {
                candidate = candidate.Next;
            }
            Drop(victim);
        }
    }

    // Counts an entry's hits since the policy last looked into the sketch and the climber's sample; true if it had any.
    private bool CountHits(InProcessEntry entry)
    {
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
    private void SecondChance(InProcessEntry entry)
    {
        if (entry.Segment == Segment.Window)
        {
            _window.Remove(entry);
            _window.AddLast(entry);
            return;
        }
        ListOf(entry.Segment)!.Remove(entry);
        _protected.AddLast(entry);
        for (int turns = _protected.Count; _protected.Cost > _protectedCapacity && _protected.First is { } oldest && turns-- > 0;)
        {
            _protected.Remove(oldest);
            if (CountHits(oldest))
            {
                _protected.AddLast(oldest);
            }
            else
            {
                _probation.AddLast(oldest);
            }
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

    private void Drop(InProcessEntry entry)
    {
        ListOf(entry.Segment)!.Remove(entry);
        _evicted(entry);
    }

    private EntryList? ListOf(Segment segment) => segment switch
    {
        Segment.Window => _window,
        Segment.Probation => _probation,
        Segment.Protected => _protected,
        _ => null,
    };

    /// <summary>A doubly linked list of entries, oldest first, with their total cost.</summary>
    private sealed class EntryList(Segment segment)
    {
        public InProcessEntry? First { get; private set; }

        public long Cost { get; private set; }

        public int Count { get; private set; }

        private InProcessEntry? _last;

        public void AddLast(InProcessEntry entry)
        {
            entry.Segment = segment;
            entry.Previous = _last;
            entry.Next = null;
            if (_last is null)
            {
                First = entry;
            }
            else
            {
                _last.Next = entry;
            }
            _last = entry;
            Cost += entry.Cost;
            Count++;
        }

        public void Remove(InProcessEntry entry)
        {
            if (entry.Previous is null)
            {
                First = entry.Next;
            }
            else
            {
                entry.Previous.Next = entry.Next;
            }
            if (entry.Next is null)
            {
                _last = entry.Previous;
            }
            else
            {
                entry.Next.Previous = entry.Previous;
            }
            entry.Previous = entry.Next = null;
            entry.Segment = Segment.None;
            Cost -= entry.Cost;
            Count--;
        }

        public void Clear()
        {
            for (InProcessEntry? entry = First; entry is not null;)
            {
                InProcessEntry? next = entry.Next;
                entry.Previous = entry.Next = null;
                entry.Segment = Segment.None;
                entry = next;
            }
            First = _last = null;
            Cost = 0;
            Count = 0;
        }
    }
}
