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
    private TaskCompletionSource<T>? _waiters;
    private bool _done;
    private T _value = default!;
    private Exception? _failure;

    public long Invalidations => invalidations;

    public CacheStore Store => store;

    public UInt128 Key => key;

    /// <summary>The next flight of its bucket in the <see cref="FlightTable{T}"/>.</summary>
    public Flight<T>? Next;

    /// <summary>The leader's outcome: its value, its exception, or its cancellation.</summary>
    public Task<T> Join()
    {
        lock (this)
        {
            if (!_done)
            {
                return (_waiters ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
        var late = new TaskCompletionSource<T>(); // joined after the leader finished, before it left the table
        Settle(late);
        return late.Task;
    }

    public void Complete(T value, Exception? failure)
    {
        TaskCompletionSource<T>? waiters;
        lock (this)
        {
            _value = value;
            _failure = failure;
            _done = true;
            waiters = _waiters;
        }
        if (waiters is not null)
        {
            Settle(waiters);
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

