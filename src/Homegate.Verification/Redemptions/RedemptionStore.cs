using Dapper;
using Npgsql;

namespace Homegate.Verification.Redemptions;

/// <summary>
/// Single-use permit ids (<c>jti</c>) in PostgreSQL. A signup reserves its jti with a lease (exactly one
/// of several concurrent requests wins: the insert-or-take-over is one statement under the row lock),
/// then redeems it on a 2xx answer or releases it otherwise. A released jti can be reserved again and
/// keeps the homeserver token minted for it, so a retry reuses that token. A lease that was never
/// settled (the process died) expires; it is taken over only when the reservation said so
/// (<c>TokenRequired</c>: the kept homeserver token decides at the homeserver). In <c>Open</c> mode an
/// unsettled signup may have created an account, so its expired lease keeps the permit consumed.
/// </summary>
public sealed class RedemptionStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Reserves <paramref name="jti"/>, or returns null when it is redeemed or in flight. A later
    /// permit for the same jti moves <c>permit_expires_at</c> forward (retention keys on it).
    /// <paramref name="expiredLeaseReusable"/>: whether this reservation's lease may be taken over once it
    /// expired unsettled; true only when a retry cannot create a second account (a kept homeserver token decides).</summary>
    public async Task<Reservation?> TryReserveAsync(string jti, string method, DateTimeOffset permitExpiresAt, TimeSpan lease,
        bool expiredLeaseReusable, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leaseId = Guid.NewGuid();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ReservedRow>(new CommandDefinition(
            """
            INSERT INTO permit_redemptions AS r
                (jti, state, method, lease_id, lease_expires_at, permit_expires_at, first_reserved_at, lease_reusable)
            VALUES (@jti, 'reserved', @method, @leaseId, @leaseUntil, @permitExpiresAt, @now, @expiredLeaseReusable)
            ON CONFLICT (jti) DO UPDATE
                SET state = 'reserved', lease_id = excluded.lease_id, lease_expires_at = excluded.lease_expires_at,
                    permit_expires_at = GREATEST(r.permit_expires_at, excluded.permit_expires_at),
                    lease_reusable = excluded.lease_reusable
                WHERE r.state = 'released' OR (r.state = 'reserved' AND r.lease_expires_at < @now AND r.lease_reusable)
            RETURNING r.homeserver_token AS HomeserverToken
            """,
            new { jti, method, leaseId, leaseUntil = now + lease, permitExpiresAt, now, expiredLeaseReusable },
            cancellationToken: cancellationToken));
        return row is null ? null : new Reservation(jti, leaseId, row.HomeserverToken);
    }

    /// <summary>Keeps the homeserver token minted for this reservation, for retries.</summary>
    public Task<bool> AttachHomeserverTokenAsync(Reservation reservation, string token, CancellationToken cancellationToken) =>
        UpdateAsync(
            "UPDATE permit_redemptions SET homeserver_token = @token WHERE jti = @Jti AND lease_id = @LeaseId",
            new { token, reservation.Jti, reservation.LeaseId },
            cancellationToken);

    /// <summary>Marks the permit used for good. False when the lease was lost (it expired and was taken over).</summary>
    public Task<bool> RedeemAsync(Reservation reservation, CancellationToken cancellationToken) =>
        UpdateAsync(
            """
            UPDATE permit_redemptions
               SET state = 'redeemed', lease_id = NULL, lease_expires_at = NULL, redeemed_at = @now
             WHERE jti = @Jti AND lease_id = @LeaseId
            """,
            new { now = time.GetUtcNow(), reservation.Jti, reservation.LeaseId },
            cancellationToken);

    /// <summary>Frees the permit for a retry.</summary>
    public Task<bool> ReleaseAsync(Reservation reservation, CancellationToken cancellationToken) =>
        UpdateAsync(
            """
            UPDATE permit_redemptions
               SET state = 'released', lease_id = NULL, lease_expires_at = NULL
             WHERE jti = @Jti AND lease_id = @LeaseId
            """,
            new { reservation.Jti, reservation.LeaseId },
            cancellationToken);

    /// <summary>The stored state of a jti (<c>reserved</c>, <c>redeemed</c>, <c>released</c>) or null.</summary>
    public async Task<string?> GetStateAsync(string jti, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT state FROM permit_redemptions WHERE jti = @jti", new { jti }, cancellationToken: cancellationToken));
    }

    private async Task<bool> UpdateAsync(string sql, object args, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken)) == 1;
    }

    private sealed record ReservedRow(string? HomeserverToken);
}

/// <summary>A won reservation: the lease that must be redeemed or released, and a token minted earlier, if any.</summary>
public sealed record Reservation(string Jti, Guid LeaseId, string? HomeserverToken);
