using Homegate.Verification.Redemptions;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// Set by the gate on a signup it let through: the homeserver token to put in the forwarded query
/// (null in Open mode), the upstream it went to and, filled by the response transform, the homeserver's
/// status code. The reservation is settled exactly once, by whoever learns the outcome first (the response
/// transform, before anything reaches the client; the gate itself when nothing was forwarded).
/// </summary>
internal sealed class SignupGateFeature(Reservation reservation, string? homeserverToken)
{
    private int _settled;

    public Reservation Reservation { get; } = reservation;

    public string? HomeserverToken { get; } = homeserverToken;

    /// <summary>The status the homeserver answered with; null when it did not answer.</summary>
    public int? UpstreamStatus { get; set; }

    /// <summary>The destination the request was forwarded to (set by the request transform).</summary>
    public string? DestinationPrefix { get; set; }

    /// <summary>Settles the reservation for an outcome; set by the gate.</summary>
    internal Func<SignupGateFeature, UpstreamOutcome, Task>? Settler { get; set; }

    public bool IsSettled => Volatile.Read(ref _settled) == 1;

    /// <summary>Settles once; later calls do nothing.</summary>
    public Task SettleOnceAsync(UpstreamOutcome outcome) =>
        Interlocked.Exchange(ref _settled, 1) == 0 && Settler is { } settle ? settle(this, outcome) : Task.CompletedTask;
}

/// <summary>What homegate knows about a forwarded signup.</summary>
internal enum UpstreamOutcome
{
    /// <summary>The homeserver answered: <see cref="SignupGateFeature.UpstreamStatus"/> decides.</summary>
    Answered,

    /// <summary>The request certainly never reached the homeserver (no connection, never built).</summary>
    NotSent,

    /// <summary>It may have reached the homeserver but no answer was seen (timeout, reset, homegate stopping).</summary>
    Unknown,
}
