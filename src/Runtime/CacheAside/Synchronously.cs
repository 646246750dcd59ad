namespace ResultCache;

/// <summary>
/// Ends a path written once for sync and async callers. With <c>sync: true</c> every step completes at once, except
/// a tagged Redis read, whose pipelined GETs are awaited; only then does the calling thread block.
/// </summary>
internal static class Synchronously
{
    public static T Result<T>(ValueTask<T> task) => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();

    public static void Wait(ValueTask task)
    {
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult();
        }
        else
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
