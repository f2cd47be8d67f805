namespace Homegate.Verification.Lightning;

/// <summary>
/// Health of this instance's Lightning machinery, for the readiness endpoint. Updated by the payment
/// watcher, the LISTEN connection and every PhoenixD request; read without locks.
/// </summary>
public sealed class LightningWatcherStatus
{
    private volatile bool _enabled;
    private volatile bool _leader;
    private volatile bool _socketConnected;
    private volatile bool _listening;
    private volatile bool _phoenixdReachable = true;
    private volatile string? _lastError;
    private long _lastErrorAtTicks;
    private long _lastReconcileAtTicks;
    private long _socketConnections;
    private int _awaiting;

    /// <summary>Lightning is configured and its background services run.</summary>
    public bool Enabled => _enabled;

    /// <summary>This instance holds the advisory lock and so owns the PhoenixD WebSocket.</summary>
    public bool Leader => _leader;

    /// <summary>This instance's PhoenixD WebSocket is open (only ever true on the leader).</summary>
    public bool Connected => _socketConnected;

    /// <summary>This instance's LISTEN connection (cross-instance payment wake-ups) is up.</summary>
    public bool Listening => _listening;

    /// <summary>The last PhoenixD HTTP request from this instance succeeded.</summary>
    public bool PhoenixdReachable => _phoenixdReachable;

    /// <summary>The last problem seen (no secrets), or null.</summary>
    public string? LastError => _lastError;

    public DateTimeOffset? LastErrorAt => Read(ref _lastErrorAtTicks);

    /// <summary>When the leader last finished reconciling pending invoices over HTTP.</summary>
    public DateTimeOffset? LastReconcileAt => Read(ref _lastReconcileAtTicks);

    /// <summary>How many times this instance opened the PhoenixD WebSocket.</summary>
    public long SocketConnections => Interlocked.Read(ref _socketConnections);

    /// <summary>How many <c>/await</c> requests this instance is holding right now.</summary>
    public int Awaiting => Volatile.Read(ref _awaiting);

    /// <summary>
    /// True when Lightning is enabled and something is wrong here: no LISTEN connection, PhoenixD not
    /// answering, or this instance leads but has no socket.
    /// </summary>
    public bool Degraded => _enabled && (!_listening || !_phoenixdReachable || (_leader && !_socketConnected));

    internal void SetEnabled(bool value) => _enabled = value;

    internal void SetLeader(bool value)
    {
        _leader = value;
        if (!value)
        {
            _socketConnected = false;
        }
    }

    internal void SetConnected(bool value)
    {
        _socketConnected = value;
        if (value)
        {
            Interlocked.Increment(ref _socketConnections);
        }
    }

    internal void AwaitStarted() => Interlocked.Increment(ref _awaiting);

    internal void AwaitEnded() => Interlocked.Decrement(ref _awaiting);

    internal void SetListening(bool value) => _listening = value;

    internal void PhoenixdSucceeded() => _phoenixdReachable = true;

    internal void PhoenixdFailed(string error)
    {
        _phoenixdReachable = false;
        Error(error);
    }

    internal void Error(string error)
    {
        _lastError = error;
        Interlocked.Exchange(ref _lastErrorAtTicks, DateTimeOffset.UtcNow.UtcTicks);
    }

    internal void Reconciled(DateTimeOffset at) => Interlocked.Exchange(ref _lastReconcileAtTicks, at.UtcTicks);

    private static DateTimeOffset? Read(ref long ticks)
    {
        var value = Interlocked.Read(ref ticks);
        return value == 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }
}
