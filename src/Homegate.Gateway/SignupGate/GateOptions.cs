namespace Homegate.Gateway.SignupGate;

/// <summary>The signup gate (config section <c>Homegate:Gate</c>).</summary>
internal sealed class GateOptions
{
    public const string Section = "Homegate:Gate";

    /// <summary>How long a reservation holds a permit while its signup is in flight. A signup not settled
    /// by then (the process died) frees the permit again. Must exceed the homeserver cluster's
    /// ActivityTimeout (YARP default 100 s). Default 5 minutes.</summary>
    public TimeSpan ReservationLease { get; set; } = TimeSpan.FromMinutes(5);
}
