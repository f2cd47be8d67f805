using Homegate.Fakes;
using Homegate.Verification.Redemptions;

namespace Homegate.Verification.Tests.Redemptions;

public sealed class RedemptionStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private TestDatabase _db = null!;
    private RedemptionStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _store = new RedemptionStore(_db.DataSource, _time);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Task<Reservation?> Reserve(string jti) =>
        _store.TryReserveAsync(jti, "invite", _time.GetUtcNow().AddDays(1), Lease, expiredLeaseReusable: true, CancellationToken.None);

    [Fact]
    public async Task A_reserved_jti_cannot_be_reserved_again_until_released()
    {
        var first = await Reserve("inv:a");
        Assert.NotNull(first);
        Assert.Null(await Reserve("inv:a"));

        Assert.True(await _store.ReleaseAsync(first, CancellationToken.None));
        var again = await Reserve("inv:a");
        Assert.NotNull(again);
        Assert.NotEqual(first.LeaseId, again.LeaseId);
    }

    [Fact]
    public async Task A_redeemed_jti_is_never_reserved_again_even_after_its_lease_would_have_expired()
    {
        var reservation = (await Reserve("inv:b"))!;
        Assert.True(await _store.RedeemAsync(reservation, CancellationToken.None));
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Null(await Reserve("inv:b"));
        Assert.Equal("redeemed", await _store.GetStateAsync("inv:b", CancellationToken.None));
    }

    [Fact]
    public async Task A_minted_homeserver_token_is_kept_for_the_retry_after_a_release()
    {
        var first = (await Reserve("sms:1"))!;
        Assert.Null(first.HomeserverToken);
        Assert.True(await _store.AttachHomeserverTokenAsync(first, "ABCD-EFGH-JKMN", CancellationToken.None));
        Assert.True(await _store.ReleaseAsync(first, CancellationToken.None));

        var retry = (await Reserve("sms:1"))!;
        Assert.Equal("ABCD-EFGH-JKMN", retry.HomeserverToken);
    }

    [Fact]
    public async Task An_abandoned_lease_expires_and_the_stale_holder_can_no_longer_settle_it()
    {
        var stale = (await Reserve("ln:1"))!;
        _time.Advance(Lease + TimeSpan.FromSeconds(1));
        var takeover = await Reserve("ln:1");
        Assert.NotNull(takeover);

        Assert.False(await _store.RedeemAsync(stale, CancellationToken.None));
        Assert.False(await _store.ReleaseAsync(stale, CancellationToken.None));
        Assert.Equal("reserved", await _store.GetStateAsync("ln:1", CancellationToken.None));
        Assert.True(await _store.RedeemAsync(takeover, CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_reservations_of_one_jti_have_exactly_one_winner()
    {
        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await Reserve("inv:race");
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task An_expired_lease_that_may_have_created_an_account_is_never_taken_over()
    {
        // Open mode: an unsettled signup may have reached the homeserver and nothing would stop a second account.
        var unsettled = await _store.TryReserveAsync("inv:open", "invite", _time.GetUtcNow().AddDays(1), Lease,
            expiredLeaseReusable: false, CancellationToken.None);
        Assert.NotNull(unsettled);
        _time.Advance(Lease + TimeSpan.FromDays(1));
        Assert.Null(await Reserve("inv:open"));
        Assert.Equal("reserved", await _store.GetStateAsync("inv:open", CancellationToken.None));
    }

    [Fact]
    public async Task A_later_permit_reserving_the_row_moves_its_permit_expiry_forward()
    {
        var early = _time.GetUtcNow().AddMinutes(15);
        var first = (await _store.TryReserveAsync("ln:later", "lightning", early, Lease, expiredLeaseReusable: true, CancellationToken.None))!;
        Assert.True(await _store.ReleaseAsync(first, CancellationToken.None));

        var later = early.AddDays(3);
        var second = (await _store.TryReserveAsync("ln:later", "lightning", later, Lease, expiredLeaseReusable: true, CancellationToken.None))!;
        Assert.True(await _store.ReleaseAsync(second, CancellationToken.None));
        Assert.Equal(later, await ExpiryAsync("ln:later"));

        // An older permit presented afterwards never moves it back.
        var third = (await _store.TryReserveAsync("ln:later", "lightning", early, Lease, expiredLeaseReusable: true, CancellationToken.None))!;
        Assert.True(await _store.ReleaseAsync(third, CancellationToken.None));
        Assert.Equal(later, await ExpiryAsync("ln:later"));
    }

    private async Task<DateTimeOffset> ExpiryAsync(string jti)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT permit_expires_at FROM permit_redemptions WHERE jti = @jti", connection);
        command.Parameters.AddWithValue("jti", jti);
        return new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await command.ExecuteScalarAsync())!, DateTimeKind.Utc));
    }
}
