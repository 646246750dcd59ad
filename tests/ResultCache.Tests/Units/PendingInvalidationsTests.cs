namespace ResultCache.Tests.Units;

/// <summary>Invalidations remembered while Redis is unreachable: the bound, and one report per overflow.</summary>
public sealed class PendingInvalidationsTests
{
    [Fact]
    public void Keys_past_the_bound_are_dropped_and_only_the_first_drop_is_reported_until_the_next_replay()
    {
        var pending = new PendingInvalidations(capacity: 2);

        Assert.False(pending.AddOrReportFirstDrop("a"));
        Assert.False(pending.AddOrReportFirstDrop("b"));
        Assert.False(pending.AddOrReportFirstDrop("a")); // already remembered: not a drop
        Assert.True(pending.AddOrReportFirstDrop("c"));  // dropped, reported
        Assert.False(pending.AddOrReportFirstDrop("d")); // dropped, not reported again
        Assert.Equal(["a", "b"], pending.TakeAll().Order());

        Assert.True(pending.IsEmpty);
        Assert.False(pending.AddOrReportFirstDrop("e"));
        Assert.False(pending.AddOrReportFirstDrop("f"));
        Assert.True(pending.AddOrReportFirstDrop("g"));  // a new overflow after the replay is reported again
    }
}
