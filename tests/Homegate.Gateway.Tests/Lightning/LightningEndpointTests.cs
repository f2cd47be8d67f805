using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Lightning;

public sealed class LightningEndpointTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private FakePhoenixd _fake = null!;
    private LightningTestHost _host = null!;

    private HttpClient Client => _host.Client;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _fake = await FakePhoenixd.StartAsync();
        // An operator who lets clients pick the amount and the invoice text (the defaults forbid both).
        _host = await LightningTestHost.StartAsync(_db, _fake, s =>
        {
            s["Homegate:Lightning:MinAmountSat"] = "1";
            s["Homegate:Lightning:AllowClientDescription"] = "true";
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response)
        => (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await BodyAsync(response);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal("urn:homegate:problem:" + code, body.GetProperty("type").GetString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
    }

    private async Task<Guid> CreateAsync(string body = "")
    {
        using var response = await Client.PostAsync("/ln_verification", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await BodyAsync(response)).GetProperty("verificationId").GetGuid();
    }

    [Fact]
    public async Task Create_with_an_empty_body_answers_a_default_invoice()
    {
        using var response = await Client.PostAsync("/ln_verification", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await BodyAsync(response);
        var invoice = Assert.Single(_fake.Invoices);
        Assert.True(Guid.TryParse(body.GetProperty("verificationId").GetString(), out _));
        Assert.Equal(invoice.Serialized, body.GetProperty("invoice").GetString());
        Assert.Equal(1000, body.GetProperty("amountSat").GetInt64());
        Assert.InRange(body.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(590), TimeSpan.FromSeconds(601));
    }

    [Fact]
    public async Task Create_takes_amount_description_and_pubky_and_ignores_unknown_members()
    {
        using var response = await Client.PostAsync("/ln_verification",
            Json($$"""{"amountSat":5000,"description":"for my homeserver","pubky":"{{LightningTestHost.RandomPubky()}}","somethingElse":[1,2]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5000, (await BodyAsync(response)).GetProperty("amountSat").GetInt64());
        var invoice = Assert.Single(_fake.Invoices);
        Assert.Equal(5000, invoice.AmountSat);
        Assert.Equal("for my homeserver", invoice.Description);
    }

    [Theory]
    [InlineData("""{"amountSat":0}""")]
    [InlineData("""{"amountSat":-1}""")]
    [InlineData("""{"amountSat":1000001}""")]
    [InlineData("""{"amountSat":"1000"}""")]
    [InlineData("""{"amountSat":10.5}""")]
    [InlineData("""{"amountSat":1e30}""")]
    public async Task Create_with_a_bad_amount_is_invalid_amount(string body)
    {
        using var response = await Client.PostAsync("/ln_verification", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-amount");
        Assert.Empty(_fake.Invoices);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"description":42}""")]
    [InlineData("""{"pubky":"abc"}""")]
    [InlineData("""{"amountSat":1000""")]
    public async Task Create_with_a_malformed_body_is_invalid_request(string body)
    {
        using var response = await Client.PostAsync("/ln_verification", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task Create_with_a_129_character_description_is_invalid_request()
    {
        using var response = await Client.PostAsync("/ln_verification", Json($$"""{"description":"{{new string('x', 129)}}"}"""));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task Create_while_phoenixd_hangs_answers_502_within_the_request_timeout()
    {
        _fake.Delay = TimeSpan.FromSeconds(30);

        var watch = Stopwatch.StartNew();
        using var response = await Client.PostAsync("/ln_verification", null);

        await AssertProblemAsync(response, HttpStatusCode.BadGateway, "lightning-unavailable");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), watch.Elapsed.ToString()); // RequestTimeout is 1 s
    }

    [Fact]
    public async Task Create_while_phoenixd_is_down_answers_502()
    {
        _fake.Down = true;

        using var response = await Client.PostAsync("/ln_verification", null);

        await AssertProblemAsync(response, HttpStatusCode.BadGateway, "lightning-unavailable");
    }

    [Theory]
    [InlineData("/ln_verification/not-a-uuid")]
    [InlineData("/ln_verification/not-a-uuid/await")]
    public async Task Read_with_a_malformed_id_is_invalid_request(string path)
    {
        using var response = await Client.GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Theory]
    [InlineData("")]
    [InlineData("/await")]
    public async Task Read_of_an_unknown_id_is_not_found(string suffix)
    {
        using var response = await Client.GetAsync($"/ln_verification/{Guid.NewGuid()}{suffix}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Read_of_a_pending_verification_has_no_signup_token()
    {
        var id = await CreateAsync();

        using var response = await Client.GetAsync($"/ln_verification/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal(id, body.GetProperty("verificationId").GetGuid());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(1000, body.GetProperty("amountSat").GetInt64());
        Assert.False(body.TryGetProperty("signupToken", out _));
        Assert.False(body.TryGetProperty("paidAt", out _));
    }

    [Fact]
    public async Task Await_answers_paid_with_a_permit_as_soon_as_the_invoice_is_paid()
    {
        var id = await CreateAsync();
        var awaiting = Client.GetAsync($"/ln_verification/{id}/await");
        await Task.Delay(300);
        Assert.False(awaiting.IsCompleted);

        var paidAt = Stopwatch.StartNew();
        await _fake.PayAsync(Assert.Single(_fake.Invoices).PaymentHash);
        using var response = await awaiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(paidAt.Elapsed < TimeSpan.FromSeconds(2));
        var body = await BodyAsync(response);
        Assert.Equal("paid", body.GetProperty("status").GetString());
        Assert.StartsWith("v4.public.", body.GetProperty("signupToken").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("signupTokenExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.True(body.TryGetProperty("paidAt", out _));

        using var again = await Client.GetAsync($"/ln_verification/{id}");
        Assert.Equal("paid", (await BodyAsync(again)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Await_answers_pending_after_the_await_timeout()
    {
        await using var quick = await LightningTestHost.StartAsync(_db, _fake, s => s["Homegate:Lightning:AwaitTimeoutSeconds"] = "1");
        using var created = await quick.Client.PostAsync("/ln_verification", null);
        var id = (await BodyAsync(created)).GetProperty("verificationId").GetGuid();

        var watch = Stopwatch.StartNew();
        using var response = await quick.Client.GetAsync($"/ln_verification/{id}/await");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pending", (await BodyAsync(response)).GetProperty("status").GetString());
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Create_and_read_are_rate_limited_by_their_own_policies()
    {
        await using var limited = await LightningTestHost.StartAsync(_db, _fake, createLimit: 2, readLimit: 3);

        using var first = await limited.Client.PostAsync("/ln_verification", null);
        using var second = await limited.Client.PostAsync("/ln_verification", null);
        using var third = await limited.Client.PostAsync("/ln_verification", null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(2, _fake.Invoices.Count);

        var id = (await BodyAsync(first)).GetProperty("verificationId").GetGuid();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var read = await limited.Client.GetAsync($"/ln_verification/{id}");
            statuses.Add(read.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Every_route_answers_lightning_disabled_when_no_phoenixd_is_configured()
    {
        await using var disabled = await LightningTestHost.StartAsync(_db, fake: null);

        using (var create = await disabled.Client.PostAsync("/ln_verification", null))
        {
            await AssertProblemAsync(create, HttpStatusCode.NotFound, "lightning-disabled");
        }

        using (var read = await disabled.Client.GetAsync($"/ln_verification/{Guid.NewGuid()}"))
        {
            await AssertProblemAsync(read, HttpStatusCode.NotFound, "lightning-disabled");
        }

        using (var wait = await disabled.Client.GetAsync($"/ln_verification/{Guid.NewGuid()}/await"))
        {
            await AssertProblemAsync(wait, HttpStatusCode.NotFound, "lightning-disabled");
        }

        Assert.False(disabled.Services.GetRequiredService<Homegate.Verification.Lightning.LightningWatcherStatus>().Enabled);
    }
}
