using Dapper;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Lightning;

namespace Homegate.Verification.Tests.Lightning;

/// <summary>Issue 10, item 7 (API.md §5): with the defaults the price and the invoice text are the operator's.</summary>
public sealed class LightningOperatorPriceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private FakePhoenixd _fake = null!;
    private LightningInstance _instance = null!;

    private LightningVerificationService Service => _instance.Service;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _fake = await FakePhoenixd.StartAsync();
        _instance = await LightningInstance.StartAsync(_db, _fake);
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        await _fake.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(999L)]
    public async Task A_client_cannot_pay_less_than_the_default_price(long amount)
    {
        var result = await Service.CreateAsync(new CreateLightningVerification(amount, null, null), default);

        Assert.Equal(LightningError.InvalidAmount, result.Error);
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task A_client_may_pay_more_up_to_the_maximum()
    {
        Assert.Equal(LightningError.None, (await Service.CreateAsync(new CreateLightningVerification(5000, null, null), default)).Error);
        Assert.Equal(LightningError.InvalidAmount, (await Service.CreateAsync(new CreateLightningVerification(1_000_001, null, null), default)).Error);
    }

    [Fact]
    public async Task A_client_description_is_ignored_unless_the_operator_allows_it()
    {
        var result = await Service.CreateAsync(new CreateLightningVerification(null, "Pay here: https://evil.example\nrefund", null), default);

        Assert.Equal(LightningError.None, result.Error);
        Assert.Equal("Homeserver signup verification", Assert.Single(_fake.Invoices).Description);
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("carriage\rreturn")]
    [InlineData("tab\there")]
    [InlineData("bidi \u202E override")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("line\u2028separator")]
    public async Task An_allowed_client_description_must_be_one_printable_line(string description)
    {
        await using var allowing = await LightningInstance.StartAsync(_db, _fake, s => s["Homegate:Lightning:AllowClientDescription"] = "true");

        var result = await allowing.Service.CreateAsync(new CreateLightningVerification(null, description, null), default);

        Assert.Equal(LightningError.InvalidRequest, result.Error);
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task An_allowed_client_description_of_one_printable_line_is_used()
    {
        await using var allowing = await LightningInstance.StartAsync(_db, _fake, s => s["Homegate:Lightning:AllowClientDescription"] = "true");

        var result = await allowing.Service.CreateAsync(new CreateLightningVerification(null, "Signup for Ελένη's homeserver ✓", null), default);

        Assert.Equal(LightningError.None, result.Error);
        Assert.Equal("Signup for Ελένη's homeserver ✓", Assert.Single(_fake.Invoices).Description);
    }

    [Fact]
    public async Task A_payment_below_the_invoice_amount_does_not_count_as_paid()
    {
        var created = (await Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;

        var flipped = await _instance.Repository.MarkManyPaidAsync([created.Id], [999], DateTimeOffset.UtcNow, default);

        Assert.Empty(flipped);
        var view = (await Service.GetAsync(created.Id, default)).Value!;
        Assert.Equal("failed", view.Status);
        Assert.Null(view.Permit);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(999, await connection.ExecuteScalarAsync<long>("SELECT received_sat FROM ln_verifications WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task A_payment_of_at_least_the_amount_counts_as_paid()
    {
        var created = (await Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;

        var flipped = await _instance.Repository.MarkManyPaidAsync([created.Id], [1000], DateTimeOffset.UtcNow, default);

        Assert.Equal(created.Id, Assert.Single(flipped));
        Assert.NotNull((await Service.GetAsync(created.Id, default)).Value!.Permit);
    }

    [Fact]
    public void Options_validation_rejects_a_multi_line_operator_description_and_a_minimum_above_the_default()
    {
        var validator = new LightningOptionsValidator();
        var options = new LightningOptions { BaseUrl = new Uri("http://127.0.0.1:9740"), Password = "p", Description = "a\nb" };
        Assert.Contains(validator.Validate(null, options).Failures!, f => f.Contains("Description", StringComparison.Ordinal));

        options = new LightningOptions { BaseUrl = new Uri("http://127.0.0.1:9740"), Password = "p", MinAmountSat = 2000 };
        Assert.Contains(validator.Validate(null, options).Failures!, f => f.Contains("DefaultAmountSat", StringComparison.Ordinal));
        Assert.Equal(1000, new LightningOptions().EffectiveMinAmountSat);
    }
}
