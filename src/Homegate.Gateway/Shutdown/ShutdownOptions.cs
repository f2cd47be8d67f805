namespace Homegate.Gateway.Shutdown;

/// <summary>Graceful shutdown: keys <c>Homegate:ShutdownTimeout</c> and <c>Homegate:ShutdownGrace</c>.</summary>
internal sealed class ShutdownOptions
{
    /// <summary>
    /// How long, after readiness turned 503, homegate keeps accepting requests before Kestrel stops
    /// listening, so load balancers notice (5 s is a good production value). Default 00:00:00.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.Zero;

    /// <summary>The whole stop (grace plus draining in-flight requests, e.g. signups waiting for the
    /// homeserver) may take this long; requests still running then are aborted and their reservations
    /// released by the gate. Default 00:00:30.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
