using Homegate.Verification.Observability;
using Homegate.Verification.Permits;

namespace Homegate.Verification.Redemptions;

/// <summary>
/// Gives a verification its signup code: the same jti, method, subject, audience and expiry as the permit
/// issued for it. SMS completions and invitations get a random code; a Lightning verification, whose
/// permit is re-issued on every read, gets a code derived from its jti (see <see cref="SignupCodeKeys"/>).
/// </summary>
public sealed class SignupCodeIssuer(SignupCodeKeys keys, SignupCodeStore store, HomegateMetrics? metrics = null)
{
    private const int MaxCollisionRetries = 3;

    /// <summary>A new random code for the verification of <paramref name="claims"/>.</summary>
    public async Task<string> IssueAsync(PermitClaims claims, CancellationToken cancellationToken) =>
        (await IssueManyAsync([claims], cancellationToken))[0];

    /// <summary>New random codes, one per claims, stored in one statement (invitations in bulk).</summary>
    public async Task<IReadOnlyList<string>> IssueManyAsync(IReadOnlyList<PermitClaims> claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var codes = new string[claims.Count];
        var pending = Enumerable.Range(0, claims.Count).ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            if (attempt > MaxCollisionRetries)
            {
                throw new InvalidOperationException("Could not store fresh signup codes: every candidate collided.");
            }

            var rows = new List<SignupCodeRow>(pending.Count);
            foreach (var i in pending)
            {
                codes[i] = SignupCodes.Generate();
                rows.Add(await RowAsync(codes[i], claims[i], cancellationToken));
            }

            var stored = await store.UpsertAsync(rows, cancellationToken);
            pending = pending.Where((_, k) => !stored.Contains(Convert.ToHexString(rows[k].CodeHash))).ToList();
        }

        foreach (var c in claims)
        {
            metrics?.SignupCodeIssued(c.Method);
        }

        return codes;
    }

    /// <summary>The code of a verification read many times: the same for every read of one jti, its
    /// expiry extended to that of the latest permit.</summary>
    public async Task<string> IssueDerivedAsync(PermitClaims claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var code = await keys.DeriveAsync(claims.Jti, cancellationToken);
        var row = await RowAsync(code, claims, cancellationToken);
        var stored = await store.UpsertAsync([row], cancellationToken);
        if (stored.Count != 1)
        {
            // A derived code equal to another verification's random code: 2^-60 per pair.
            throw new InvalidOperationException("The derived signup code collides with another verification's code.");
        }

        metrics?.SignupCodeIssued(claims.Method);
        return code;
    }

    private async Task<SignupCodeRow> RowAsync(string code, PermitClaims claims, CancellationToken cancellationToken) =>
        new(await keys.HashAsync(code, cancellationToken), claims.Jti, claims.Method, claims.Subject, claims.Audience, claims.IssuedAt, claims.Expires);
}
