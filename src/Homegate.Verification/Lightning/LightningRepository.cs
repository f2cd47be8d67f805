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
    long? ReceivedSat);

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
        "id, payment_hash, invoice, amount_sat, description, pubky, status, created_at, expires_at, paid_at, received_sat";

    public async Task InsertAsync(LightningVerification v, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO ln_verifications (id, payment_hash, invoice, amount_sat, description, pubky, status, created_at, expires_at)
            VALUES (@Id, @PaymentHash, @Invoice, @AmountSat, @Description, @Pubky, @Status, @CreatedAt, @ExpiresAt)
            """,
            new { v.Id, v.PaymentHash, v.Invoice, v.AmountSat, v.Description, v.Pubky, v.Status, CreatedAt = v.CreatedAt.UtcDateTime, ExpiresAt = v.ExpiresAt.UtcDateTime },
            cancellationToken: cancellationToken));
    }

    public async Task<LightningVerification?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM ln_verifications WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToModel();
    }

    /// <summary>The id of the pending verification with this payment hash, or null (unknown hash, already settled).</summary>
    public async Task<Guid?> FindPendingByHashAsync(string paymentHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM ln_verifications WHERE payment_hash = @paymentHash AND status = 'pending'",
            new { paymentHash }, cancellationToken: cancellationToken));
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

    /// <summary>Flips a pending verification to paid and notifies every instance. False when it was not pending (already paid, raced).</summary>
    public async Task<bool> MarkPaidAsync(Guid id, DateTimeOffset paidAt, long receivedSat, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var flipped = await connection.QueryAsync<Guid>(new CommandDefinition(
            $"""
            WITH paid AS (
                UPDATE ln_verifications SET status = 'paid', paid_at = @paidAt, received_sat = @receivedSat
                WHERE id = @id AND status = 'pending'
                RETURNING id
            )
            SELECT id, pg_notify('{PaidChannel}', id::text)::text FROM paid
            """,
            new { id, paidAt = paidAt.UtcDateTime, receivedSat }, cancellationToken: cancellationToken));
        return flipped.Any();
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
        string status, DateTime created_at, DateTime expires_at, DateTime? paid_at, long? received_sat)
    {
        public LightningVerification ToModel() => new(
            id, payment_hash, invoice, amount_sat, description, pubky, status,
            Utc(created_at), Utc(expires_at), paid_at is { } p ? Utc(p) : null, received_sat);
    }
}
