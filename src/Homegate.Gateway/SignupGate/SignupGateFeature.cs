using Homegate.Verification.Redemptions;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// Set by the gate on a signup it let through: the homeserver token to put in the forwarded query
/// (null in Open mode), and, filled by the response transform, the homeserver's status code.
/// </summary>
internal sealed class SignupGateFeature(Reservation reservation, string? homeserverToken)
{
    public Reservation Reservation { get; } = reservation;

    public string? HomeserverToken { get; } = homeserverToken;

    /// <summary>The status the homeserver answered with; null when it did not answer.</summary>
    public int? UpstreamStatus { get; set; }
}
