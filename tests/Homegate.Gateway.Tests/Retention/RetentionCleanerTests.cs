using Dapper;
using Homegate.Fakes;
using Homegate.Verification.Permits;
using Homegate.Verification.Retention;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Gateway.Tests.Retention;

/// <summary>One retention pass over rows of known ages deletes exactly what is past its window.</summary>
public sealed class RetentionCleanerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(Now);
    private TestDatabase _db = null!;
    private RetentionCleaner _cleaner = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _cleaner = new RetentionCleaner(_db.DataSource, new Fixed<RetentionOptions>(new RetentionOptions()),
            new Fixed<PermitOptions>(new PermitOptions()), _time);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static TimeSpan Days(double d) => TimeSpan.FromDays(d);

    private async Task PermitAsync(string jti, string state, TimeSpan permitExpiredAgo, TimeSpan? leaseLeft = null, TimeSpan? redeemedAgo = null)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO permit_redemptions (jti, state, method, lease_id, lease_expires_at, permit_expires_at, first_reserved_at, redeemed_at)
            VALUES (@jti, @state, 'invite', @leaseId, @leaseUntil, @permitExpires, @permitExpires, @redeemedAt)
            """,
            new
            {
                jti,
                state,
                leaseId = state == "reserved" ? Guid.NewGuid() : (Guid?)null,
                leaseUntil = leaseLeft is { } l ? Now + l : (DateTimeOffset?)null,
                permitExpires = Now - permitExpiredAgo,
                redeemedAt = redeemedAgo is { } r ? Now - r : (DateTimeOffset?)null,
            });
    }

    private async Task<Guid> LightningAsync(string status, TimeSpan expiredAgo, TimeSpan? paidAgo = null)
    {
        var id = Guid.NewGuid();
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO ln_verifications (id, payment_hash, invoice, amount_sat, description, status, created_at, expires_at, paid_at, received_sat)
            VALUES (@id, @hash, 'lnbc1', 1000, 'test', @status, @expires - interval '10 minutes', @expires, @paidAt, @received)
            """,
            new
            {
                id,
                hash = id.ToString("N"),
                status,
                expires = Now - expiredAgo,
                paidAt = paidAgo is { } p ? Now - p : (DateTimeOffset?)null,
                received = paidAgo is null ? (long?)null : 1000,
            });
        return id;
    }

    private async Task<string[]> PermitIdsAsync()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT jti FROM permit_redemptions ORDER BY jti")).ToArray();
    }

    private async Task<Guid[]> LightningIdsAsync()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("SELECT id FROM ln_verifications")).ToArray();
    }

    [Fact]
    public async Task A_pass_deletes_expired_unused_permits_old_redemptions_and_abandoned_invoices_and_keeps_the_rest()
    {
        await PermitAsync("released-old", "released", Days(2));
        await PermitAsync("released-recent", "released", TimeSpan.FromHours(12));
        await PermitAsync("reserved-lease-lost", "reserved", Days(2), leaseLeft: TimeSpan.FromMinutes(-5));
        await PermitAsync("reserved-in-flight", "reserved", Days(2), leaseLeft: TimeSpan.FromMinutes(1));
        await PermitAsync("redeemed-366d", "redeemed", Days(366), redeemedAgo: Days(366));
        await PermitAsync("redeemed-364d", "redeemed", Days(364), redeemedAgo: Days(364));

        var expiredOld = await LightningAsync("expired", Days(8));
        var failedOld = await LightningAsync("failed", Days(8));
        var pendingOld = await LightningAsync("pending", Days(8));
        var expiredRecent = await LightningAsync("expired", Days(6));
        var paidRecent = await LightningAsync("paid", Days(364), paidAgo: Days(364));
        var paidOld = await LightningAsync("paid", Days(366), paidAgo: Days(366));

        // A redemption of a still-stored paid verification outlives the redeemed window.
        await PermitAsync("ln:" + paidRecent.ToString("D"), "redeemed", Days(400), redeemedAgo: Days(400));

        var result = await _cleaner.RunOnceAsync(CancellationToken.None);

        Assert.False(result.Skipped);
        Assert.Equal(
            new[] { "ln:" + paidRecent.ToString("D"), "redeemed-364d", "released-recent", "reserved-in-flight" }.Order(StringComparer.Ordinal),
            (await PermitIdsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { expiredRecent, paidRecent }.Order(), (await LightningIdsAsync()).Order());
        Assert.Equal(new RetentionResult(false, 2, 1, 3, 1), result);
        _ = (expiredOld, failedOld, pendingOld, paidOld);
    }

    [Fact]
    public async Task Unsettled_rows_of_verifications_that_can_still_be_re_read_are_kept_whatever_their_permit_expiry()
    {
        // Issue 10 item 2: a released row may hold a spent homeserver token; a re-read of the paid invoice issues
        // a permit with the same jti, which must find that row instead of minting a fresh token.
        var paid = await LightningAsync("paid", Days(3), paidAgo: Days(3));
        var lightning = "ln:" + paid.ToString("D");
        await PermitAsync(lightning, "released", Days(2));
        var session = await SmsSessionAsync(verifiedAgo: Days(3));
        var sms = "sms:" + session.ToString("D");
        await PermitAsync(sms, "reserved", Days(2), leaseLeft: TimeSpan.FromMinutes(-5));
        await PermitAsync("ln:" + Guid.NewGuid().ToString("D"), "released", Days(2));

        var result = await _cleaner.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, result.UnusedPermits);
        Assert.Equal(new[] { lightning, sms }.Order(StringComparer.Ordinal), await PermitIdsAsync());

        // Once the verification is gone, permits issued from it expire and the row follows.
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("DELETE FROM sms_sessions");
        }

        await _cleaner.RunOnceAsync(CancellationToken.None);
        Assert.Equal([lightning], await PermitIdsAsync());
    }

    private async Task<Guid> SmsSessionAsync(TimeSpan verifiedAgo)
    {
        var id = Guid.NewGuid();
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO sms_sessions (id, phone_hash, provider_id, state, created_at, expires_at, completed_at)
            VALUES (@id, @hash, 'vrf_test', 'verified', @done - interval '5 minutes', @done + interval '10 minutes', @done)
            """,
            new { id, hash = "hash-" + id.ToString("N"), done = Now - verifiedAgo });
        return id;
    }

    [Fact]
    public async Task A_lightning_redemption_outlives_its_deleted_verification_until_permits_issued_before_the_deletion_expired()
    {
        var paid = await LightningAsync("paid", Days(366), paidAgo: Days(366));
        var jti = "ln:" + paid.ToString("D");
        await PermitAsync(jti, "redeemed", Days(366), redeemedAgo: Days(366));

        // The verification goes; a permit read from it a moment ago could still be presented.
        var first = await _cleaner.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, first.PaidLightning);
        Assert.Empty(await LightningIdsAsync());
        Assert.Equal([jti], await PermitIdsAsync());

        _time.Advance(TimeSpan.FromHours(2));
        await _cleaner.RunOnceAsync(CancellationToken.None);
        Assert.Equal([jti], await PermitIdsAsync());

        // Past every such permit's expiry (15 minutes) plus the one-day margin.
        _time.Advance(Days(1));
        var later = await _cleaner.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, later.RedeemedPermits);
        Assert.Empty(await PermitIdsAsync());
    }

    [Fact]
    public async Task A_pass_is_skipped_while_another_instance_runs_one()
    {
        await PermitAsync("released-old", "released", Days(2));
        await using var other = new NpgsqlConnection(_db.ConnectionString + ";Pooling=false");
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        Assert.True(await other.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(@Key)", new { Key = RetentionCleaner.LockKey }, tx));

        var result = await _cleaner.RunOnceAsync(CancellationToken.None);

        Assert.True(result.Skipped);
        Assert.Equal(["released-old"], await PermitIdsAsync());
        await tx.RollbackAsync();
        Assert.Equal(1, (await _cleaner.RunOnceAsync(CancellationToken.None)).UnusedPermits);
    }

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
