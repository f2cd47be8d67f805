namespace Homegate.Gateway.SignupGate;

/// <summary>The signup gate (config section <c>Homegate:Gate</c>).</summary>
internal sealed class GateOptions
{
    public const string Section = "Homegate:Gate";

    /// <summary>How long a reservation holds a permit while its signup is in flight. A signup not settled
    /// by then (the process died) is taken over only in TokenRequired mode, where the kept homeserver
    /// token decides; in Open mode it stays consumed. Must exceed every cluster's ActivityTimeout (YARP
    /// default 100 s), checked at start. Default 5 minutes.</summary>
    public TimeSpan ReservationLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Forward a value in signup-code shape that homegate did not issue unchanged, for the homeserver to
    /// judge (invite codes handed out before homegate was installed). A refusal by the homeserver counts against
    /// <c>code-guess</c>. Default false: such a value gets 403 <c>permit-invalid</c> and is not forwarded.</summary>
    public bool ForwardHomeserverCodes { get; set; }
}
