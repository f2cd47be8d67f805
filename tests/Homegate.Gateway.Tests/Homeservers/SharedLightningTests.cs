using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>Lightning with two homeservers: each its own price and audience; a verification is read only
/// on its own homeserver's hosts.</summary>
public sealed class SharedLightningTests : SharedHomegateTestBase
{
    private FakePhoenixd _phoenixd = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _phoenixd = await FakePhoenixd.StartAsync();
        await StartAsync(config =>
        {
            config["Homegate"]!["Lightning"] = FakeSections.Lightning(_phoenixd);
            config["Homegate"]!["Homeservers"]!["b"]!["Lightning"] = new JsonObject { ["DefaultAmountSat"] = 2100 };
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _phoenixd.DisposeAsync();
    }

    private async Task<JsonElement> CreateAsync(string host, object body)
    {
        var created = await PostJsonAsync(host, "/ln_verification", body);
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Each_homeserver_has_its_own_price_and_a_cheaper_amount_is_refused_on_the_dearer_one()
    {
        Assert.Equal(1000, (await CreateAsync(HostA, new { })).GetProperty("amountSat").GetInt64());
        Assert.Equal(2100, (await CreateAsync(HostB, new { })).GetProperty("amountSat").GetInt64());
        var cheap = await PostJsonAsync(HostB, "/ln_verification", new { amountSat = 1000 });
        await cheap.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-amount");
    }

    [Fact]
    public async Task A_paid_verification_yields_a_code_for_its_own_homeserver_and_is_not_found_on_the_other()
    {
        var created = await CreateAsync(HostA, new { });
        var id = created.GetProperty("verificationId").GetString();
        Assert.True(await _phoenixd.PayAsync(Assert.Single(_phoenixd.Invoices).PaymentHash));

        var elsewhere = await SendAsync(HostB, HttpMethod.Get, $"/ln_verification/{id}");
        await elsewhere.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var awaitElsewhere = await SendAsync(HostB, HttpMethod.Get, $"/ln_verification/{id}/await");
        await awaitElsewhere.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var paid = default(JsonElement);
        for (var i = 0; i < 100; i++)
        {
            var read = await SendAsync(HostA, HttpMethod.Get, $"/ln_verification/{id}");
            using var json = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
            paid = json.RootElement.Clone();
            if (paid.GetProperty("status").GetString() == "paid")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("paid", paid.GetProperty("status").GetString());
        Assert.Equal(A.PublicKeyZ32, paid.GetProperty("homeserverPubky").GetString());
        var code = paid.GetProperty("signupCode").GetString()!;
        await (await SignupAsync(HostB, code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-wrong-audience");
        Assert.Equal(HttpStatusCode.OK, (await SignupAsync(HostA, code, Signups.NewAuthToken(out _))).StatusCode);
        Assert.Single(A.SignupRequests);
        Assert.Empty(B.SignupRequests);
    }
}
