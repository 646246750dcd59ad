namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// The bytes of live objects: what a full, compacting, blocking collection kept. Unlike the heap's size, it leaves out
/// free space and allocation budgets, so it moves only when objects are kept or let go.
/// </summary>
public static class LiveMemory
{
    public static long Bytes()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).PromotedBytes;
    }
}
