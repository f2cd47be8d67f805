using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Redemptions;

/// <summary>
/// Turns a presented signup code into the claims of its verification, with the checks a permit gets:
/// time window (same skew as <see cref="PermitVerifier"/>) and audience. Single use and the subject are
/// the gate's job, exactly as for permits.
/// </summary>
public sealed class SignupCodeVerifier(SignupCodeKeys keys, SignupCodeStore store, IOptions<PermitOptions> options, HomeserverIdentity identity, TimeProvider time)
{
    /// <summary>The check for a canonical code (<see cref="SignupCodes.TryCanonicalize"/>); null when homegate did not issue it.</summary>
    public async Task<PermitCheck?> VerifyAsync(string canonicalCode, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(await keys.HashAsync(canonicalCode, cancellationToken), cancellationToken);
        if (row is null)
        {
            return null;
        }

        var claims = new PermitClaims(options.Value.Issuer, row.Audience, row.Jti, row.IssuedAt, row.IssuedAt, row.ExpiresAt, row.Method, row.Subject);
        var now = time.GetUtcNow();
        if (now < claims.NotBefore - PermitVerifier.Skew || now > claims.Expires + PermitVerifier.Skew)
        {
            return new PermitCheck(PermitFailure.Expired, claims);
        }

        var audience = identity.Current;
        if (!audience.IsKnown || !string.Equals(claims.Audience, audience.PublicKey, StringComparison.Ordinal))
        {
            return new PermitCheck(PermitFailure.WrongAudience, claims);
        }

        return new PermitCheck(PermitFailure.None, claims);
    }

    /// <summary>The state of a canonical code for the invitation page, or null when homegate did not issue it.</summary>
    public async Task<SignupCodeState?> GetStateAsync(string canonicalCode, CancellationToken cancellationToken) =>
        await store.GetStateAsync(await keys.HashAsync(canonicalCode, cancellationToken), cancellationToken);
}
