using Microsoft.Extensions.Time.Testing;

namespace ResultCache.Tests.Units;

/// <summary>The backoff gate's rules, on a fake clock with no Redis.</summary>
public sealed class RedisGateTests
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_new_gate_asks_callers_to_wait_for_the_first_connect()
    {
        var gate = new RedisGate(_time, Backoff, Backoff);

        Assert.Equal(RedisStatus.Connecting, gate.Status);
        Assert.Equal(Admission.WaitForFirstConnect, gate.Admit());
        Assert.Equal(RedisStatus.Connecting, gate.Open());
        Assert.Equal(Admission.Use, gate.Admit());
    }

    [Fact]
    public void A_closed_gate_keeps_callers_in_process_for_the_backoff_then_exactly_one_claims_the_probe()
    {
        var gate = new RedisGate(_time, Backoff, Backoff);
        gate.Open();

        Assert.Equal(RedisStatus.Available, gate.Close());
        _time.Advance(Backoff - TimeSpan.FromMilliseconds(1));
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(Admission.StayInProcess, gate.Admit()));
        Assert.Equal(RedisStatus.Unavailable, gate.Status); // reading it claims nothing

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Admission[] admissions = Enumerable.Range(0, 100).AsParallel().Select(_ => gate.Admit()).ToArray();

        Assert.Equal(1, admissions.Count(a => a == Admission.Probe));
        Assert.Equal(99, admissions.Count(a => a == Admission.StayInProcess));
        Assert.Equal(RedisStatus.Probing, gate.Status);
    }

    [Fact]
    public void Each_transition_reports_the_status_before_it_so_a_change_is_signalled_once()
    {
        var gate = new RedisGate(_time, Backoff, Backoff);

        Assert.Equal(RedisStatus.Connecting, gate.Close()); // the first connect failed
        Assert.Equal(RedisStatus.Unavailable, gate.Close()); // a second fault: no change
        _time.Advance(Backoff);
        Assert.Equal(Admission.Probe, gate.Admit());
        Assert.Equal(RedisStatus.Probing, gate.Close()); // the probe failed: a new backoff
        Assert.Equal(Admission.StayInProcess, gate.Admit());
    }

    [Fact]
    public void Each_change_is_one_event_raised_before_callers_are_admitted_under_it()
    {
        var gate = new RedisGate(_time, TimeSpan.FromSeconds(1), Backoff);
        var changing = new List<(GateChange Change, Admission SeenMeanwhile)>();
        var changed = new List<GateChange>();
        gate.Changing += change => changing.Add((change, gate.Admit()));
        gate.Changed += changed.Add;
        var fault = new TimeoutException("no answer");

        gate.Close(fault);                 // the first connect failed: 1 s
        gate.Close(fault);                 // a second fault: no change, no event; 2 s
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(Admission.Probe, gate.Admit());
        gate.Close(fault);                 // the probe failed: 4 s
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(Admission.Probe, gate.Admit());
        gate.Open();                       // the probe succeeded
        gate.Open();                       // again: no change, no event

        Assert.Equal(
            [
                (RedisStatus.Connecting, RedisStatus.Unavailable, true),
                (RedisStatus.Unavailable, RedisStatus.Probing, false),
                (RedisStatus.Probing, RedisStatus.Unavailable, false),
                (RedisStatus.Unavailable, RedisStatus.Probing, false),
                (RedisStatus.Probing, RedisStatus.Available, true),
            ],
            changed.Select(c => (c.Before, c.After, c.SwitchesLayers)));
        Assert.Same(fault, changed[0].Cause);
        Assert.Equal(TimeSpan.FromSeconds(4), changed[2].Backoff);
        // Changing comes before the new state admits anyone: while it is heard, callers still get the old answer.
        Assert.Equal(changed.Where(c => c.Before != RedisStatus.Unavailable || c.After != RedisStatus.Probing), changing.Select(c => c.Change));
        Assert.Equal([Admission.WaitForFirstConnect, Admission.StayInProcess, Admission.StayInProcess], changing.Select(c => c.SeenMeanwhile));
    }

    [Fact]
    public void A_reset_lets_the_next_caller_probe_at_once()
    {
        var gate = new RedisGate(_time, Backoff, Backoff);
        gate.Open();

        Assert.Equal(RedisStatus.Available, gate.Close(probeAfter: TimeSpan.Zero));
        Assert.Equal(Admission.Probe, gate.Admit());
    }

    [Fact]
    public void Ending_the_backoff_lets_exactly_one_caller_probe_now_and_only_a_closed_gate_ends_it()
    {
        var gate = new RedisGate(_time, Backoff, Backoff);
        Assert.False(gate.EndBackoff()); // connecting
        gate.Open();
        Assert.False(gate.EndBackoff()); // open: nothing to end
        Assert.Equal(Admission.Use, gate.Admit());

        gate.Close();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Admission.StayInProcess, gate.Admit());
        Assert.True(gate.EndBackoff()); // Sentinel named a new primary
        Admission[] admissions = Enumerable.Range(0, 100).AsParallel().Select(_ => gate.Admit()).ToArray();
        Assert.Equal(1, admissions.Count(a => a == Admission.Probe));
        Assert.False(gate.EndBackoff()); // probing: the probe in flight is not claimed twice

        gate.Close(); // that probe failed: the next backoff runs its whole length
        Assert.Equal(Backoff, gate.CurrentBackoff);
        Assert.Equal(Admission.StayInProcess, gate.Admit());
    }

    [Fact]
    public void The_backoff_starts_at_the_first_and_doubles_with_each_failed_probe_up_to_the_cap()
    {
        var gate = new RedisGate(_time, TimeSpan.FromSeconds(1), Backoff);
        gate.Open();

        var backoffs = new List<double>();
        gate.Close();
        for (int probe = 0; probe < 8; probe++)
        {
            backoffs.Add(gate.CurrentBackoff.TotalSeconds);
            _time.Advance(gate.CurrentBackoff - TimeSpan.FromMilliseconds(1));
            Assert.Equal(Admission.StayInProcess, gate.Admit()); // no probe before its time
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(Admission.Probe, gate.Admit());
            Assert.Equal(RedisStatus.Probing, gate.Close()); // the probe failed
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], backoffs);
    }

    [Fact]
    public void A_flapping_redis_backs_the_gate_off_and_only_a_stable_one_starts_it_short_again()
    {
        var gate = new RedisGate(_time, TimeSpan.FromSeconds(1), Backoff);
        gate.Open();

        // Each probe succeeds, and Redis fails again 2 s after each recovery: the gate must not flap every few seconds.
        var backoffs = new List<double>();
        for (int flap = 0; flap < 7; flap++)
        {
            gate.Close();
            backoffs.Add(gate.CurrentBackoff.TotalSeconds);
            _time.Advance(gate.CurrentBackoff);
            Assert.Equal(Admission.Probe, gate.Admit());
            gate.Open();
            _time.Advance(TimeSpan.FromSeconds(2));
        }
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], backoffs);

        // Up for the whole cap: the next fault is a new, short one.
        _time.Advance(Backoff);
        gate.Close();
        Assert.Equal(TimeSpan.FromSeconds(1), gate.CurrentBackoff);
    }

    [Fact]
    public void A_first_backoff_longer_than_the_cap_is_the_cap()
    {
        var gate = new RedisGate(_time, TimeSpan.FromMinutes(5), Backoff);
        gate.Open();
        gate.Close();
        Assert.Equal(Backoff, gate.CurrentBackoff);
    }
}
