namespace ResultCache;

/// <summary>
/// Chooses what leaves a full table: W-TinyLFU, weighted by each entry's cost. New entries enter a small window
/// (1 % of the capacity) ordered by recency. Entries leaving the window are candidates for the main part, and each is
/// admitted only if the sketch says it is asked for more often than the entry it would push out (the oldest of the
/// probation list). Probation entries hit again move to the protected list (80 % of the main part). So a burst of
/// one-off keys (a scan) passes through the window without pushing out what is popular, and a new popular key gets in
/// as soon as its count passes the weakest resident's. The window's share adapts by hill climbing: after each sample
/// of requests the window grows or shrinks by a step, kept in the direction that raised the hit ratio, so a workload
/// whose popular keys keep changing gets a larger, recency-ordered window. Not thread-safe: used under the table's lock.
/// </summary>
internal sealed class EvictionPolicy
{
    private const double InitialStepShare = 0.0625;   // the first hill-climbing step: this share of the capacity
    private const double StepDecay = 0.98;             // each step after is this much of the one before
    private const double RestartThreshold = 0.05;      // a change in hit ratio this large restarts the steps at full size

    private readonly long _capacity;
    private long _windowCapacity;
    private long _protectedCapacity;
    private long _hitsInSample;
    private long _missesInSample;
    private double _previousHitRatio;
    private double _step;
    private readonly Action<InProcessEntry> _evicted;
    private readonly FrequencySketch _sketch = new();
    private readonly EntryList _window = new(Segment.Window);
    private readonly EntryList _probation = new(Segment.Probation);
    private readonly EntryList _protected = new(Segment.Protected);

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

    /// <summary>A hit: counts it, and moves the entry to the recent end of its list (from probation, to protected).</summary>
    public void Touch(InProcessEntry entry)
    {
        if (entry.Segment == Segment.None)
        {
            return; // it left the table after the hit was noted
        }
        _sketch.Increment(entry.Key);
        _hitsInSample++;
        switch (entry.Segment)
        {
            case Segment.Window:
                _window.MoveToEnd(entry);
                break;
            case Segment.Protected:
                _protected.MoveToEnd(entry);
                break;
            default:
                _probation.Remove(entry);
                _protected.AddLast(entry);
                while (_protected.Cost > _protectedCapacity && _protected.First is { } demoted)
                {
                    _protected.Remove(demoted);
                    _probation.AddLast(demoted);
                }
                break;
        }
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
        // The window's overflow moves to probation; the first entry moved is the first candidate.
        InProcessEntry? candidate = null;
        while (_window.Cost > _windowCapacity && _window.First is { } oldest)
        {
            _window.Remove(oldest);
            _probation.AddLast(oldest);
            candidate ??= oldest;
        }

        while (Cost > target)
        {
            InProcessEntry? victim = _probation.First ?? _protected.First ?? _window.First;
            if (victim is null)
            {
                return;
            }
            if (candidate is not null && victim != candidate && victim.Segment == Segment.Probation &&
                _sketch.Frequency(candidate.Key) <= _sketch.Frequency(victim.Key))
            {
                victim = candidate; // the resident is asked for at least as often: the newcomer goes
            }
            if (victim == candidate)
            {
                candidate = candidate.Next;
            }
            Drop(victim);
        }
    }

    // One hill-climbing step per sample of requests (four per key the sketch tracks): move the window's size by the
    // step; keep the direction if the hit ratio rose, reverse it if it fell. Steps shrink, and restart at full size
    // when the hit ratio jumps, as it does when the workload changes.
    private void Climb()
    {
        long requests = _hitsInSample + _missesInSample;
        if (requests < 4L * _sketch.Capacity)
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
    // passes its oldest entries on at the next eviction, and an oversized protected list demotes at the next hit.
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

        public void MoveToEnd(InProcessEntry entry)
        {
            if (entry != _last)
            {
                Remove(entry);
                AddLast(entry);
            }
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
