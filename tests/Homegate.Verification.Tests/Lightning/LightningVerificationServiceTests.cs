using System.Diagnostics;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Lightning;
using Homegate.Verification.Permits;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Verification.Tests.Lightning;

public sealed class LightningVerificationServiceTests : IAsyncLifetime
{
    private readonly ShiftedTimeProvider _time = new();
    private TestDatabase _db = null!;
    private FakePhoenixd _fake = null!;
    private LightningInstance _instance = null!;

    private LightningVerificationService Service => _instance.Service;

    internal static void ClientChoices(Dictionary<string, string?> settings)
    {
        settings["Homegate:Lightning:MinAmountSat"] = "1";
        settings["Homegate:Lightning:AllowClientDescription"] = "true";
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _fake = await FakePhoenixd.StartAsync();
        // An operator who lets clients pick the amount (down to 1 sat) and the invoice text.
        _instance = await LightningInstance.StartAsync(_db, _fake, ClientChoices, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        await _fake.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<CreatedLightningVerification> CreateAsync(long? amount = null, string? description = null, string? pubky = null)
    {
        var result = await Service.CreateAsync(new CreateLightningVerification(amount, description, pubky), default);
        Assert.Equal(LightningError.None, result.Error);
        return result.Value!;
    }

    private async Task<LightningVerificationView> GetAsync(Guid id)
    {
        var result = await Service.GetAsync(id, default);
        Assert.Equal(LightningError.None, result.Error);
        return result.Value!;
    }

    [Fact]
    public async Task Create_without_arguments_uses_the_default_amount_and_description_and_stores_a_pending_invoice()
    {
        var created = await CreateAsync();

        var invoice = Assert.Single(_fake.Invoices);
        Assert.Equal(1000, created.AmountSat);
        Assert.Equal(invoice.Serialized, created.Invoice);
        Assert.Equal(1000, invoice.AmountSat);
        Assert.Equal("Homeserver signup verification", invoice.Description);
        Assert.InRange(created.ExpiresAt - _time.GetUtcNow(), TimeSpan.FromSeconds(590), TimeSpan.FromSeconds(600));

        var row = await _instance.Repository.GetAsync(created.Id, default);
        Assert.Equal(invoice.PaymentHash, row!.PaymentHash);
        Assert.Equal(LightningStatus.Pending, row.Status);

        var view = await GetAsync(created.Id);
        Assert.Equal("pending", view.Status);
        Assert.Null(view.Permit);
        Assert.Null(view.PaidAt);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(1_000_001L)]
    [InlineData(long.MaxValue)]
    public async Task Amount_outside_the_configured_range_is_invalid_and_creates_no_invoice(long amount)
    {
        var result = await Service.CreateAsync(new CreateLightningVerification(amount, null, null), default);

        Assert.Equal(LightningError.InvalidAmount, result.Error);
        Assert.Empty(_fake.Invoices);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(1_000_000L)]
    public async Task Amount_at_the_range_bounds_is_accepted(long amount)
    {
        var created = await CreateAsync(amount);

        Assert.Equal(amount, created.AmountSat);
        Assert.Equal(amount, Assert.Single(_fake.Invoices).AmountSat);
    }

    [Fact]
    public async Task Description_of_128_characters_is_used_and_129_is_rejected()
    {
        var ok = new string('d', 128);
        await CreateAsync(description: ok);
        Assert.Equal(ok, Assert.Single(_fake.Invoices).Description);

        var result = await Service.CreateAsync(new CreateLightningVerification(null, new string('d', 129), null), default);
        Assert.Equal(LightningError.InvalidRequest, result.Error);
        Assert.Single(_fake.Invoices);
    }

    [Fact]
    public async Task Pubky_that_is_not_a_public_key_is_rejected()
    {
        var result = await Service.CreateAsync(new CreateLightningVerification(null, null, "not-a-key"), default);

        Assert.Equal(LightningError.InvalidRequest, result.Error);
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task Unknown_verification_is_not_found_for_read_and_await()
    {
        Assert.Equal(LightningError.NotFound, (await Service.GetAsync(Guid.NewGuid(), default)).Error);
        Assert.Equal(LightningError.NotFound, (await Service.AwaitAsync(Guid.NewGuid(), default)).Error);
    }

    [Fact]
    public async Task Phoenixd_answering_503_makes_create_unavailable_and_stores_nothing()
    {
        _fake.Down = true;

        var result = await Service.CreateAsync(new CreateLightningVerification(null, null, null), default);

        Assert.Equal(LightningError.Unavailable, result.Error);
        Assert.Empty(await _instance.Repository.ListPendingAsync(DateTimeOffset.MinValue, default));
        Assert.True(_instance.Status.Degraded);
    }

    [Fact]
    public async Task Hanging_phoenixd_makes_create_unavailable_within_the_request_timeout()
    {
        _fake.Delay = TimeSpan.FromSeconds(30);

        var watch = Stopwatch.StartNew();
        var result = await Service.CreateAsync(new CreateLightningVerification(null, null, null), default);

        Assert.Equal(LightningError.Unavailable, result.Error);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3.5)); // RequestTimeout is 2 s
    }

    [Fact]
    public async Task Pending_verification_past_its_expiry_reads_as_expired_and_reconciliation_records_it()
    {
        var created = await CreateAsync();
        var hash = Assert.Single(_fake.Invoices).PaymentHash;

        _time.Advance(TimeSpan.FromMinutes(11));
        _fake.Expire(hash);
        Assert.Equal("expired", (await GetAsync(created.Id)).Status);
        Assert.False(_fake.Pay(hash));

        await _instance.Processor.ReconcileAsync(default);
        Assert.Equal(LightningStatus.Expired, (await _instance.Repository.GetAsync(created.Id, default))!.Status);

        var awaited = await Service.AwaitAsync(created.Id, default);
        Assert.Equal("expired", awaited.Value!.Status);
    }

    [Fact]
    public async Task Invoice_the_node_no_longer_knows_fails_after_expiry()
    {
        var created = await CreateAsync();
        var hash = Assert.Single(_fake.Invoices).PaymentHash;
        _fake.Forget(hash);

        // Before expiry an unknown invoice is left alone (the node may be restoring).
        await _instance.Processor.ReconcileAsync(default);
        Assert.Equal(LightningStatus.Pending, (await _instance.Repository.GetAsync(created.Id, default))!.Status);

        _time.Advance(TimeSpan.FromMinutes(11));
        await _instance.Processor.ReconcileAsync(default);
        Assert.Equal("failed", (await GetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task Await_on_a_pending_verification_answers_pending_after_the_timeout()
    {
        await using var quick = await LightningInstance.StartAsync(_db, _fake, s => s["Homegate:Lightning:AwaitTimeoutSeconds"] = "1");
        var created = (await quick.Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;

        var watch = Stopwatch.StartNew();
        var result = await quick.Service.AwaitAsync(created.Id, default);

        Assert.Equal("pending", result.Value!.Status);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.Equal(0, quick.Hub.WaitingIds);
    }

    [Fact]
    public async Task Await_cancelled_by_the_client_leaves_no_waiter_behind()
    {
        var created = await CreateAsync();
        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Service.AwaitAsync(created.Id, abort.Token));
        Assert.Equal(0, _instance.Hub.WaitingIds);
    }

    [Fact]
    public async Task Paid_verification_carries_a_lightning_permit_and_rereads_reuse_its_jti()
    {
        var pubky = LightningInstance.RandomPubky();
        var created = await CreateAsync(pubky: pubky);
        var waiting = Service.AwaitAsync(created.Id, default);

        Assert.True(await _fake.PayAsync(Assert.Single(_fake.Invoices).PaymentHash));
        var paid = (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Value!;

        Assert.Equal("paid", paid.Status);
        Assert.NotNull(paid.PaidAt);
        var permit = paid.Permit!;
        Assert.StartsWith("v4.public.", permit.Token, StringComparison.Ordinal);
        Assert.Equal("ln:" + created.Id.ToString("D"), permit.Claims.Jti);
        Assert.Equal("lightning", permit.Claims.Method);
        Assert.Equal(pubky, permit.Claims.Subject);

        var check = _instance.Services.GetRequiredService<PermitVerifier>().Verify(permit.Token);
        Assert.True(check.IsValid);
        Assert.Equal("ln:" + created.Id.ToString("D"), check.Claims!.Jti);
        Assert.Equal(pubky, check.Claims.Subject);

        var again = (await GetAsync(created.Id)).Permit!;
        Assert.Equal(permit.Claims.Jti, again.Claims.Jti);
        Assert.Equal("ln:" + created.Id.ToString("D"), _instance.Services.GetRequiredService<PermitVerifier>().Verify(again.Token).Claims!.Jti);
    }

    [Fact]
    public async Task Paid_verification_without_pubky_has_a_permit_without_subject()
    {
        var created = await CreateAsync();
        await _fake.PayAsync(Assert.Single(_fake.Invoices).PaymentHash);

        var paid = (await Service.AwaitAsync(created.Id, default)).Value!;

        Assert.Equal("paid", paid.Status);
        Assert.Null(paid.Permit!.Claims.Subject);
    }
}
