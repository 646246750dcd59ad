using System.Net;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// On Redis Cluster, a gate per failing master: a connection fault on a key closes the gate for the slots of the node
/// that served it, so only that node's keys are served in process while the other masters' keys keep using Redis.
/// </summary>
/// <remarks>
/// Admission reads one field while no node gate is closed, and a key's hash slot only while one is. A fault is laid on
/// the master the client has lost (a tagged read touches other nodes than its entry's), else on the key's own. A node
/// gate's probe is a GET of a key that does not exist, in one of the node's slots, sent through the client, never a
/// connect to the failed endpoint: the client routes it to whichever node serves the slot now (it follows MOVED replies
/// and the cluster's failover), so a promoted replica is found by the first probe after the promotion. A fault on every
/// master at once is the whole connection's, and closes the store's gate instead (see <see cref="TryClose"/>).
/// </remarks>
internal sealed class NodeGates(TimeProvider time, TimeSpan firstBackoff, TimeSpan maxBackoff, string keyPrefix)
{
    private const int SlotCount = 16384;

    /// <summary>
    /// A node gate's backoff never exceeds this, whatever the store's <see cref="RedisCacheStoreOptions.Backoff"/>:
    /// its probe is one read routed by the client, never a connect, so a promoted replica is in use again within
    /// about this long of its promotion.
    /// </summary>
    public static readonly TimeSpan MaxNodeBackoff = TimeSpan.FromSeconds(2);

    private readonly NodeGate?[] _bySlot = new NodeGate?[SlotCount];
    private readonly List<NodeGate> _closed = []; // under lock(_closed)
    private readonly TimeSpan _maxBackoff = maxBackoff < MaxNodeBackoff ? maxBackoff : MaxNodeBackoff;
    private int _closedCount;

    /// <summary>Whether any node gate is closed: the one field a call reads while the cluster is whole.</summary>
    public bool AnyClosed => Volatile.Read(ref _closedCount) > 0;

    /// <summary>How many node gates are closed (or probing).</summary>
    public int ClosedCount => Volatile.Read(ref _closedCount);

    /// <summary>The closed gate of the node serving <paramref name="route"/>'s slot, or null.</summary>
    public NodeGate? For(IConnectionMultiplexer connection, RedisKey route) =>
        AnyClosed ? Volatile.Read(ref _bySlot[connection.HashSlot(route)]) : null;

    /// <summary>
    /// A fault on <paramref name="route"/>: closes the gate of the master serving its slot (or of the one master the
    /// client lost, for a fault of the link). Returns false when the fault is the whole connection's (not a cluster, one
    /// master only, or every master's link failing), for the store's gate to close instead. A node that
    /// <paramref name="answered"/> (CLUSTERDOWN) is up: every master may close that way, each reopened by its own probe.
    /// </summary>
    public bool TryClose(IConnectionMultiplexer connection, RedisKey route, Exception cause, bool answered, out NodeGate? closed)
    {
        closed = null;
        if ((string?)route is null)
        {
            return false; // a command of no key (a PING): its fault is the connection's
        }
        if (!TryFindNode(connection, route, blameLost: !answered, out int slot, out EndPoint? endPoint, out SlotRange[] slots, out int masters) || masters < 2)
        {
            return false;
        }
        lock (_closed)
        {
            if (Volatile.Read(ref _bySlot[slot]) is not null)
            {
                return true; // another call's fault of the same outage: one close, one backoff
            }
            if (!answered && _closed.Count + 1 >= masters)
            {
                return false;
            }
            // A node that answered is probed in the very slot it refused: its other slots may be served, and a probe
            // there would reopen the gate, only for the refused keys to close it again.
            RedisKey probeKey = ProbeKey(connection, answered ? [new SlotRange(slot, slot)] : slots, route);
            var gate = new NodeGate(endPoint, slots, probeKey, new RedisGate(time, firstBackoff, _maxBackoff));
            gate.Gate.Close(cause);
            foreach (SlotRange range in slots)
            {
                for (int s = range.From; s <= range.To; s++)
                {
                    _bySlot[s] ??= gate; // a slot already closed by another node's gate stays with it
                }
            }
            _closed.Add(gate);
            Volatile.Write(ref _closedCount, _closed.Count);
            closed = gate;
            return true;
        }
    }

    /// <summary>
    /// Opens a node gate whose probe succeeded. <paramref name="reopening"/> runs first, while its keys are still kept
    /// from Redis; <paramref name="reopened"/> once they are admitted, hearing whether other node gates stay closed
    /// (no gate closes between the two). False when the gate was already dropped.
    /// </summary>
    public bool Open(NodeGate gate, Action reopening, Action<bool> reopened)
    {
        lock (_closed)
        {
            if (!_closed.Remove(gate))
            {
                return false;
            }
            reopening();
            Unmap(gate);
            Volatile.Write(ref _closedCount, _closed.Count);
            reopened(_closed.Count > 0);
        }
        gate.Gate.Open();
        return true;
    }

    /// <summary>Drops every node gate (the store's own gate closed or reopened); returns their remembered invalidations.</summary>
    public List<string> Clear()
    {
        var pending = new List<string>();
        lock (_closed)
        {
            foreach (NodeGate gate in _closed)
            {
                Unmap(gate);
                pending.AddRange(gate.Pending.TakeAll());
            }
            _closed.Clear();
            Volatile.Write(ref _closedCount, 0);
        }
        return pending;
    }

    /// <summary>The closed node gates whose backoff is over, each claimed for one probe.</summary>
    public List<NodeGate> ClaimDueProbes()
    {
        var due = new List<NodeGate>();
        lock (_closed)
        {
            foreach (NodeGate gate in _closed)
            {
                if (gate.Gate.Admit() == Admission.Probe)
                {
                    due.Add(gate);
                }
            }
        }
        return due;
    }

    /// <summary>
    /// Asks the cluster (CLUSTER SLOTS, on each node the client is connected to: a promoted replica knows first) which
    /// master serves the key's slot now: true when one names a connected node the client would not send the key to, as
    /// after a failover the client has not noticed yet. False when the cluster cannot be asked (an ACL without CLUSTER).
    /// </summary>
    public static bool ClientLagsBehind(IConnectionMultiplexer connection, RedisKey key)
    {
        int slot = connection.HashSlot(key);
        EndPoint? used = connection.GetServer(key).EndPoint;
        foreach (IServer asked in connection.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                if (MasterOf(asked.Execute("CLUSTER", "SLOTS"), slot) is { } master)
                {
                    IServer owner = connection.GetServer(master.Host, master.Port);
                    if (owner.IsConnected && !Equals(owner.EndPoint, used))
                    {
                        return true;
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException or InvalidCastException or ArgumentException)
            {
                // this node cannot say; ask the next
            }
        }
        return false;
    }

    // CLUSTER SLOTS: one array per range, [first slot, last slot, [master host, master port, ...], replicas...].
    private static (string Host, int Port)? MasterOf(RedisResult ranges, int slot)
    {
        foreach (RedisResult range in (RedisResult[])ranges!)
        {
            RedisResult[] parts = (RedisResult[])range!;
            if ((int)parts[0] <= slot && slot <= (int)parts[1])
            {
                RedisResult[] master = (RedisResult[])parts[2]!;
                return ((string)master[0]!, (int)master[1]);
            }
        }
        return null;
    }

    // A key under the store's prefix (so an ACL confined to it allows the GET) in one of the node's slots: about three
    // tries for a node serving a third of the slots. The key that failed, if none turns up.
    private RedisKey ProbeKey(IConnectionMultiplexer connection, SlotRange[] slots, RedisKey failed)
    {
        for (int n = 0; n < 100_000; n++)
        {
            string key = keyPrefix + "probe:" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int slot = connection.HashSlot(key);
            if (slots.Any(r => r.From <= slot && slot <= r.To))
            {
                return key;
            }
        }
        return failed;
    }

    private void Unmap(NodeGate gate)
    {
        foreach (SlotRange range in gate.Slots)
        {
            for (int s = range.From; s <= range.To; s++)
            {
                if (_bySlot[s] == gate)
                {
                    Volatile.Write(ref _bySlot[s], null);
                }
            }
        }
    }

    // The failed master, with the slots the cluster says it serves, one of them, and how many masters serve slots: the
    // route's own if the client lost its link, else the one master whose link the client lost (a tagged read's tag may
    // live there), else the route's (a timeout, with links up). False when the connection is not to a cluster or the
    // client cannot say.
    private static bool TryFindNode(IConnectionMultiplexer connection, RedisKey route, bool blameLost, out int slot, out EndPoint? endPoint, out SlotRange[] slots, out int masters)
    {
        (slot, endPoint, slots, masters) = (0, null, [], 0);
        try
        {
            IServer[] servers = connection.GetServers();
            if (!servers.Any(s => s.ServerType == ServerType.Cluster))
            {
                return false;
            }
            ClusterConfiguration? cluster = servers.Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null);
            ClusterNode[] masterNodes = cluster?.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0).ToArray() ?? [];
            masters = masterNodes.Length;
            slot = connection.HashSlot(route);
            ClusterNode? node = cluster?.GetBySlot(slot);
            if (blameLost && connection.GetServer(route).IsConnected)
            {
                IServer[] lost = [.. servers.Where(s => !s.IsConnected && masterNodes.Any(m => Equals(m.EndPoint, s.EndPoint)))];
                if (lost.Length == 1 && cluster?[lost[0].EndPoint] is { Slots.Count: > 0 } lostNode)
                {
                    (node, slot) = (lostNode, lostNode.Slots[0].From);
                }
            }
            if (node is null && !blameLost)
            {
                // "CLUSTERDOWN Hash slot not served": no master has the slot. One gate covers every such slot, not one
                // gate per slot a key happens to hash to.
                slots = UnservedSlots(masterNodes);
                return slots.Length > 0;
            }
            endPoint = node?.EndPoint ?? connection.GetServer(route).EndPoint;
            slots = node is { Slots.Count: > 0 } ? [.. node.Slots] : [new SlotRange(slot, slot)];
            return true;
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException or ObjectDisposedException or NotSupportedException)
        {
            return false; // the client has no map to go by: the store's gate covers it
        }
    }

    private static SlotRange[] UnservedSlots(ClusterNode[] masters)
    {
        var served = new bool[SlotCount];
        foreach (SlotRange range in masters.SelectMany(m => m.Slots))
        {
            Array.Fill(served, true, range.From, range.To - range.From + 1);
        }
        var unserved = new List<SlotRange>();
        for (int from = 0; from < SlotCount; from++)
        {
            if (served[from])
            {
                continue;
            }
            int to = from;
            while (to + 1 < SlotCount && !served[to + 1])
            {
                to++;
            }
            unserved.Add(new SlotRange(from, to));
            from = to;
        }
        return [.. unserved];
    }
}

/// <summary>
/// One failing master's gate: the slots it covers, the key whose fault closed it (the probe reads it back), its backoff
/// state machine, and the invalidations its keys missed, replayed before it reopens.
/// </summary>
internal sealed class NodeGate(EndPoint? endPoint, SlotRange[] slots, RedisKey probeKey, RedisGate gate)
{
    public EndPoint? EndPoint { get; } = endPoint;

    public SlotRange[] Slots { get; } = slots;

    public RedisKey ProbeKey { get; } = probeKey;

    public RedisGate Gate { get; } = gate;

    public PendingInvalidations Pending { get; } = new(PendingInvalidations.Capacity);

    public int SlotCount => Slots.Sum(r => r.To - r.From + 1);

    public override string ToString() => EndPoint?.ToString() ?? "(slots no master serves)";
}
