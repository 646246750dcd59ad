namespace ResultCache.Tests.Units;

/// <summary>The per-core rings that queue entries for the eviction policy.</summary>
public sealed class PolicyBufferTests
{
    [Fact]
    public void A_full_ring_refuses_an_entry_and_takes_it_again_once_drained()
    {
        var buffer = new PolicyBuffer();
        var drained = new List<InProcessEntry>();
        int added = 0;
        // The thread may move between cores; a refused entry only says that its core's ring is full.
        while (buffer.TryAdd(Entry(added)) != 0)
        {
            added++;
            Assert.InRange(added, 1, PolicyBuffer.RingSize * Environment.ProcessorCount);
        }

        buffer.Drain(drained, static (list, entry) => list.Add(entry));

        Assert.Equal(added, drained.Count);
        Assert.Equal(added, drained.Select(e => e.Key).Distinct().Count());
        Assert.NotEqual(0, buffer.TryAdd(Entry(-1))); // drained: the ring has room again
    }

    [Fact]
    public async Task Entries_queued_from_many_threads_while_one_drains_are_each_drained_once()
    {
        var buffer = new PolicyBuffer();
        var seen = new HashSet<UInt128>();
        using var writersDone = new CountdownEvent(4);
        var drainer = Task.Run(() =>
        {
            while (!writersDone.IsSet)
            {
                buffer.Drain(seen, static (set, entry) => Assert.True(set.Add(entry.Key), $"Entry {entry.Key} was drained twice."));
            }
            buffer.Drain(seen, static (set, entry) => Assert.True(set.Add(entry.Key), $"Entry {entry.Key} was drained twice."));
        });
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                while (buffer.TryAdd(Entry((thread * 50_000) + i)) == 0)
                {
                    Thread.Yield(); // full: the drainer catches up
                }
            }
            writersDone.Signal();
        });
        await drainer;

        Assert.Equal(200_000, seen.Count);
    }

    private static InProcessEntry Entry(int key) => new InProcessEntry<int>((UInt128)(uint)key, key, long.MaxValue, long.MaxValue, default, 1);
}
