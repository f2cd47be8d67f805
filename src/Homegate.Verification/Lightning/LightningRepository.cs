using Dapper;
using Npgsql;

namespace Homegate.Verification.Lightning;

internal static class LightningStatus
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Expired = "expired";
    public const string Failed = "failed";
}

/// <summary>A row of <c>ln_verifications</c>.</summary>
internal sealed record LightningVerification(
    Guid Id,
    string PaymentHash,
    string Invoice,
    long AmountSat,
    string Description,
    string? Pubky,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? PaidAt,
    long? ReceivedSat,
    string? Homeserver = null);

internal sealed record PendingInvoice(Guid Id, string PaymentHash, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// SQL for <c>ln_verifications</c>. Leaving 'pending' is always a conditional UPDATE, so whoever
/// wins (event, duplicate event, reconciler, another instance) does it exactly once; the winner's
/// statement also sends <c>NOTIFY homegate_ln_paid</c>, delivered on commit.
/// </summary>
internal sealed class LightningRepository(NpgsqlDataSource dataSource)
{
    public const string PaidChannel = "homegate_ln_paid";

    private const string Columns =
        "id, payment_hash, invoice, amount_sat, description, pubky, status, created_at, expires_at, paid_at, received_sat, homeserver";

    public async Task InsertAsync(LightningVerification v, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO ln_verifications (id, payment_hash, invoice, amount_sat, description, pubky, status, created_at, expires_at, homeserver)
            VALUES (@Id, @PaymentHash, @Invoice, @AmountSat, @Description, @Pubky, @Status, @CreatedAt, @ExpiresAt, @Homeserver)
            """,
            new { v.Id, v.PaymentHash, v.Invoice, v.AmountSat, v.Description, v.Pubky, v.Status, CreatedAt = v.CreatedAt.UtcDateTime, ExpiresAt = v.ExpiresAt.UtcDateTime, v.Homeserver },
            cancellationToken: cancellationToken));
    }

    public async Task<LightningVerification?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM ln_verifications WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToModel();
    }

    /// <summary>Rows by id (missing ids are absent): one query for many concurrent readers.</summary>
    public async Task<IReadOnlyList<LightningVerification>> GetManyAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM ln_verifications WHERE id = ANY(@ids)", new { ids }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToModel()).ToList();
    }

    /// <summary>The pending verifications among these payment hashes (unknown and settled ones are absent).</summary>
    public async Task<IReadOnlyList<PendingInvoice>> FindPendingByHashesAsync(string[] hashes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string PaymentHash, DateTime CreatedAt, DateTime ExpiresAt)>(new CommandDefinition(
            "SELECT id, payment_hash, created_at, expires_at FROM ln_verifications WHERE payment_hash = ANY(@hashes) AND status = 'pending' ORDER BY created_at",
            new { hashes }, cancellationToken: cancellationToken));
        return rows.Select(r => new PendingInvoice(r.Id, r.PaymentHash, Utc(r.CreatedAt), Utc(r.ExpiresAt))).ToList();
    }

    /// <summary>
    /// Flips the pending ones among these verifications to paid in one statement and notifies every
    /// instance of each; returns the ids this call flipped to paid (the others were not pending). A
    /// payment below the invoice's amount (API.md §5: receivedSat must reach it) ends it as failed.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> MarkManyPaidAsync(Guid[] ids, long[] receivedSat, DateTimeOffset paidAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var flipped = await connection.QueryAsync<Guid>(new CommandDefinition(
            $"""
            WITH settled AS (
                UPDATE ln_verifications v
                SET status = CASE WHEN u.received_sat >= v.amount_sat THEN 'paid' ELSE 'failed' END,
                    paid_at = CASE WHEN u.received_sat >= v.amount_sat THEN @paidAt END,
                    received_sat = u.received_sat
                FROM unnest(@ids, @receivedSat) AS u(id, received_sat)
                WHERE v.id = u.id AND v.status = 'pending'
                RETURNING v.id, v.status
            ),
            woken AS (SELECT id, status, pg_notify('{PaidChannel}', id::text) FROM settled)
            SELECT id FROM woken WHERE status = 'paid'
            """,
            new { ids, receivedSat, paidAt = paidAt.UtcDateTime }, cancellationToken: cancellationToken));
        return flipped.ToList();
    }

    /// <summary>Pending verifications that expire after <paramref name="expiringAfter"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PendingInvoice>> ListPendingAsync(DateTimeOffset expiringAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string PaymentHash, DateTime CreatedAt, DateTime ExpiresAt)>(new CommandDefinition(
            "SELECT id, payment_hash, created_at, expires_at FROM ln_verifications WHERE status = 'pending' AND expires_at > @after ORDER BY created_at",
            new { after = expiringAfter.UtcDateTime }, cancellationToken: cancellationToken));
        return rows.Select(r => new PendingInvoice(r.Id, r.PaymentHash, Utc(r.CreatedAt), Utc(r.ExpiresAt))).ToList();
    }

    /// <summary>Ends a pending verification as expired or failed (notifying waiters); false when it was not pending.</summary>
    public async Task<bool> MarkUnpaidAsync(Guid id, string status, CancellationToken cancellationToken)
    {
        if (status is not (LightningStatus.Expired or LightningStatus.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Only expired or failed.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var flipped = await connection.QueryAsync<Guid>(new CommandDefinition(
            $"""
            WITH ended AS (
                UPDATE ln_verifications SET status = @status
                WHERE id = @id AND status = 'pending'
                RETURNING id
            )
            SELECT id, pg_notify('{PaidChannel}', id::text)::text FROM ended
            """,
            new { id, status }, cancellationToken: cancellationToken));
        return flipped.Any();
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed record Row(
        Guid id, string payment_hash, string invoice, long amount_sat, string description, string? pubky,
        string status, DateTime created_at, DateTime expires_at, DateTime? paid_at, long? received_sat, string? homeserver)
    {
        public LightningVerification ToModel() => new(
            id, payment_hash, invoice, amount_sat, description, pubky, status,
            Utc(created_at), Utc(expires_at), paid_at is { } p ? Utc(p) : null, received_sat, homeserver);
    }
}
