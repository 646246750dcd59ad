namespace ResultCache;

/// <summary>
/// One key's read and <c>...Core</c> run, shared by the calls that arrive meanwhile. Most flights have no such call, so
/// the task they await is made only when the first one joins: an uncontended call allocates this object alone (it is
/// also its own node in the method's <see cref="FlightTable{T}"/>).
/// </summary>
/// <param name="invalidations">The store's <see cref="InvalidationCounters.All"/> when the flight began: once an
/// invalidation has come since, a new caller starts a flight of its own instead of joining a read that may be stale.</param>
/// <param name="store">The store it reads and writes: two stores (containers, tenants) never share a flight.</param>
/// <param name="key">The key's hash.</param>
internal sealed class Flight<T>(long invalidations, CacheStore store, UInt128 key)
{
    private static readonly object Done = new();

    private object? _state; // null while running alone; the waiters' task once one joins; Done when complete
    private T _value = default!;
    private Exception? _failure;

    public long Invalidations => invalidations;

    public CacheStore Store => store;

    public UInt128 Key => key;

    /// <summary>The next flight of its bucket in the <see cref="FlightTable{T}"/>.</summary>
    public Flight<T>? Next;

    /// <summary>
    /// Set when the leader answered at a timeout while <c>...Core</c> goes on: the flight then leaves the table when
    /// <c>...Core</c> ends, not when the leader returns.
    /// </summary>
    public bool Detached;

    /// <summary>The leader's outcome: its value, its exception, or its cancellation.</summary>
    public Task<T> Join()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case TaskCompletionSource<T> waiters:
                    return waiters.Task;
                case null:
                    var first = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (Interlocked.CompareExchange(ref _state, first, null) is null)
                    {
                        return first.Task;
                    }
                    continue; // completed, or another caller joined first
                default:
                    var late = new TaskCompletionSource<T>(); // joined after the leader finished, before it left the table
                    Settle(late);
                    return late.Task;
            }
        }
    }

    /// <summary>Settles the flight once; a later call (a batch failing after some of its keys completed) changes nothing.</summary>
    public void Complete(T value, Exception? failure)
    {
        if (ReferenceEquals(Volatile.Read(ref _state), Done))
        {
            return; // only the leader completes a flight, so there is no race to lose here
        }
        _value = value;
        _failure = failure;
        if (Interlocked.Exchange(ref _state, Done) is TaskCompletionSource<T> waiters)
        {
            Settle(waiters); // the exchange publishes the outcome written before it
        }
    }

    private void Settle(TaskCompletionSource<T> task)
    {
        switch (_failure)
        {
            case null:
                task.TrySetResult(_value);
                break;
            case OperationCanceledException canceled:
                task.TrySetCanceled(canceled.CancellationToken);
                break;
            default:
                task.TrySetException(_failure);
                _ = task.Task.Exception; // observed here, so a failure is not reported again as unobserved
                break;
        }
    }
}

