namespace ResultCache;

/// <summary>
/// What a leader's miss of a method that computes once across instances turned into: compute here (no lease, or
/// Redis unavailable), compute under a lease (released once the value is stored or the computation failed), or a
/// value another instance stored while this one waited.
/// </summary>
internal readonly struct FleetClaim<T>
{
    private FleetClaim(string? leaseKey, string? token, bool found, T value, bool busy = false)
    {
        IsBusy = busy;
        LeaseKey = leaseKey;
        Token = token;
        Found = found;
        Value = value;
    }

    /// <summary>Compute here, with no lease to release.</summary>
    public static FleetClaim<T> ComputeHere => default;

    public string? LeaseKey { get; }

    public string? Token { get; }

    public bool Found { get; }

    public T Value { get; }

    public bool HoldsLease => LeaseKey is not null;

    /// <summary>Another instance holds the lease, and the caller asked not to wait for it.</summary>
    public bool IsBusy { get; }

    public static FleetClaim<T> Busy => new(null, null, false, default!, busy: true);

    public static FleetClaim<T> Leader(string leaseKey, string token) => new(leaseKey, token, false, default!);

    public static FleetClaim<T> FromAnotherInstance(T value) => new(null, null, true, value);
}
