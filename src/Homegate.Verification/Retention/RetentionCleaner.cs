using Dapper;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Verification.Retention;

/// <summary>What one retention pass deleted; <see cref="Skipped"/> when another instance was running one.</summary>
public sealed record RetentionResult(bool Skipped, int UnusedPermits, int RedeemedPermits, int AbandonedLightning, int PaidLightning, int ExpiredCodes = 0)
{
    public int Total => UnusedPermits + RedeemedPermits + AbandonedLightning + PaidLightning + ExpiredCodes;
}

/// <summary>
/// One retention pass (DESIGN.md, "State") in one transaction under <c>pg_try_advisory_xact_lock</c>, so
/// several instances never run it at once (a busy lock skips the pass). SMS sessions have their own
/// cleanup (<c>SmsCleanupService</c>).
/// <para>
/// Lightning issues a fresh permit with the same jti (<c>ln:&lt;id&gt;</c>) on every read of a paid
/// verification, so a redeemed <c>ln:</c> row is what stops a second signup. It is therefore kept while
/// its verification exists, and when the verification is deleted its <c>permit_expires_at</c> is moved to
/// the latest expiry a permit issued until then can have; a redeemed row is only deleted once that passed.
/// The same holds for released and abandoned rows of Lightning verifications and SMS sessions that still
/// exist: whatever can still be re-read keeps its redemption record (and the homeserver token in it).
/// </para>
/// </summary>
public sealed class RetentionCleaner(NpgsqlDataSource dataSource, IOptionsMonitor<RetentionOptions> options, IOptionsMonitor<PermitOptions> permits, TimeProvider time)
{
    // "hg-retn!" in ASCII: one retention pass at a time across instances.
    internal const long LockKey = 0x68672D7265746E21;

    public async Task<RetentionResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var locked = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: cancellationToken));
        if (!locked)
        {
            return new RetentionResult(true, 0, 0, 0, 0);
        }

        // A released row may hold a homeserver token that is already spent (an unseen answer): while its
        // verification can still be re-read, a fresh permit for the same jti must find the row, or it would
        // mint a fresh token and a second account.
        var unused = await ExecuteAsync(connection, tx,
            """
            DELETE FROM permit_redemptions r
             WHERE r.permit_expires_at < @cutoff
               AND (r.state = 'released' OR (r.state = 'reserved' AND r.lease_expires_at < @now))
               AND NOT (r.jti LIKE 'ln:%' AND EXISTS (SELECT 1 FROM ln_verifications v WHERE 'ln:' || v.id::text = r.jti))
               AND NOT (r.jti LIKE 'sms:%' AND EXISTS (SELECT 1 FROM sms_sessions s WHERE 'sms:' || s.id::text = r.jti))
            """,
            new { cutoff = now - settings.UnusedPermitGrace, now }, cancellationToken);

        var redeemed = await ExecuteAsync(connection, tx,
            """
            DELETE FROM permit_redemptions r
             WHERE r.state = 'redeemed' AND r.redeemed_at < @cutoff AND r.permit_expires_at < @expiredBy
               AND NOT (r.jti LIKE 'ln:%' AND EXISTS (SELECT 1 FROM ln_verifications v WHERE 'ln:' || v.id::text = r.jti))
            """,
            new { cutoff = now - settings.RedeemedRetention, expiredBy = now - settings.UnusedPermitGrace }, cancellationToken);

        var abandoned = await ExecuteAsync(connection, tx,
            "DELETE FROM ln_verifications WHERE status <> 'paid' AND expires_at < @cutoff",
            new { cutoff = now - settings.AbandonedLightningRetention }, cancellationToken);

        // Permits for these may have been issued until now: their redemption rows must outlive them.
        var paid = await ExecuteAsync(connection, tx,
            """
            WITH gone AS (
                DELETE FROM ln_verifications WHERE status = 'paid' AND paid_at < @cutoff RETURNING 'ln:' || id::text AS jti)
            UPDATE permit_redemptions r SET permit_expires_at = GREATEST(r.permit_expires_at, @latestExpiry)
              FROM gone WHERE r.jti = gone.jti
            """,
            new { cutoff = now - settings.PaidLightningRetention, latestExpiry = now + permits.CurrentValue.Lifetime }, cancellationToken,
            countSql: "SELECT count(*)::int FROM ln_verifications WHERE status = 'paid' AND paid_at < @cutoff");

        // A code is worth nothing once its permit's expiry passed (the gate would refuse it); its single use
        // lives in permit_redemptions, which the rules above keep as long as needed.
        var codes = await ExecuteAsync(connection, tx,
            "DELETE FROM signup_codes WHERE expires_at < @cutoff",
            new { cutoff = now - settings.UnusedPermitGrace }, cancellationToken);

        await tx.CommitAsync(cancellationToken);
        return new RetentionResult(false, unused, redeemed, abandoned, paid, codes);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, object args,
        CancellationToken cancellationToken, string? countSql = null)
    {
        // A data-modifying CTE reports the UPDATE's row count; count the deletions first instead.
        var count = countSql is null ? 0 : await connection.ExecuteScalarAsync<int>(new CommandDefinition(countSql, args, tx, cancellationToken: cancellationToken));
        var affected = await connection.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken));
        return countSql is null ? affected : count;
    }
}
