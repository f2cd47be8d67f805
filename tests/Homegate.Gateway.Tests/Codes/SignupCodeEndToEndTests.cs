using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Gateway.Tests.Sms;

namespace Homegate.Gateway.Tests.Codes;

/// <summary>
/// Every verification hands out a code next to its permit, for the same verification: SMS verify_code and
/// paid Lightning reads (the same code on every read). Whichever is used first consumes both.
/// </summary>
public sealed class SignupCodeEndToEndTests : HomeserverTestBase
{
    private FakePrelude _prelude = null!;
    private FakePhoenixd _phoenixd = null!;
    private GatewayHost _host = null!;
    private HttpClient _client = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _prelude = await FakePrelude.StartAsync();
        _phoenixd = await FakePhoenixd.StartAsync();
        _host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
        {
            config["Homegate"]!["Sms"] = FakeSections.Sms(_prelude);
            config["Homegate"]!["Lightning"] = FakeSections.Lightning(_phoenixd, ("ReconnectDelay", "00:00:01"));
        }));
        _client = _host.Client;
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _phoenixd.DisposeAsync();
        await _prelude.DisposeAsync();
        await base.DisposeAsync();
    }

    private sealed record Earned(string Permit, string Code, string HomeserverPubky);

    private static async Task<Earned> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return new Earned(root.GetProperty("signupToken").GetString()!, root.GetProperty("signupCode").GetString()!, root.GetProperty("homeserverPubky").GetString()!);
    }

    private async Task<Earned> VerifySmsAsync()
    {
        var phone = SmsTestHost.NewPhoneNumber();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone })).StatusCode);
        return await ReadAsync(await _client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = _prelude.LastCodeFor(phone) }));
    }

    private async Task<Guid> PayLightningAsync()
    {
        using var created = await _client.PostAsJsonAsync("/ln_verification", new { });
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = json.RootElement.GetProperty("verificationId").GetGuid();
        var invoice = _phoenixd.Invoices.Single(i => json.RootElement.GetProperty("invoice").GetString() == i.Serialized);
        var awaiting = _client.GetAsync($"/ln_verification/{id}/await");
        Assert.True(await _phoenixd.PayAsync(invoice.PaymentHash));
        using var paid = await awaiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        return id;
    }

    [Fact]
    public async Task An_sms_code_signs_up_once_then_its_permit_gets_409_and_the_other_way_round()
    {
        var first = await VerifySmsAsync();
        Assert.Equal(Homeserver.PublicKeyZ32, first.HomeserverPubky);
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", first.Code);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostSignupAsync(first.Code, Signups.NewAuthToken(out var user))).StatusCode);
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);
        await (await _client.PostSignupAsync(first.Permit, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");

        var second = await VerifySmsAsync();
        Assert.NotEqual(first.Code, second.Code);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostSignupAsync(second.Permit, Signups.NewAuthToken(out _))).StatusCode);
        await (await _client.PostSignupAsync(second.Code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        Assert.Equal(2, Homeserver.SignupRequests.Count);
    }

    [Fact]
    public async Task A_lightning_code_is_the_same_on_every_read_signs_up_once_and_shares_single_use_with_the_permits()
    {
        var id = await PayLightningAsync();
        var reads = new List<Earned>();
        for (var i = 0; i < 3; i++)
        {
            reads.Add(await ReadAsync(await _client.GetAsync($"/ln_verification/{id}")));
        }

        Assert.Single(reads.Select(r => r.Code).Distinct());
        Assert.All(reads, r => Assert.Equal(Homeserver.PublicKeyZ32, r.HomeserverPubky));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostSignupAsync(reads[0].Code.ToLowerInvariant(), Signups.NewAuthToken(out _))).StatusCode);
        foreach (var read in reads)
        {
            await (await _client.PostSignupAsync(read.Permit, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        }

        var later = await ReadAsync(await _client.GetAsync($"/ln_verification/{id}"));
        Assert.Equal(reads[0].Code, later.Code);
        await (await _client.PostSignupAsync(later.Code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");

        // The other way round: a permit first, then the code of that verification.
        var other = await PayLightningAsync();
        var earned = await ReadAsync(await _client.GetAsync($"/ln_verification/{other}"));
        Assert.NotEqual(reads[0].Code, earned.Code);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostSignupAsync(earned.Permit, Signups.NewAuthToken(out _))).StatusCode);
        await (await _client.PostSignupAsync(earned.Code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        Assert.Equal(2, Homeserver.SignupRequests.Count);
    }

    [Fact]
    public async Task Invite_status_tells_unused_used_and_unknown_without_consuming()
    {
        var earned = await VerifySmsAsync();
        for (var i = 0; i < 2; i++)
        {
            using var unused = await _client.GetAsync($"/invite/{earned.Code.ToLowerInvariant()}/status");
            Assert.Equal(HttpStatusCode.OK, unused.StatusCode);
            using var json = JsonDocument.Parse(await unused.Content.ReadAsStringAsync());
            Assert.Equal("unused", json.RootElement.GetProperty("state").GetString());
            Assert.Equal("sms", json.RootElement.GetProperty("method").GetString());
            Assert.Equal(Homeserver.PublicKeyZ32, json.RootElement.GetProperty("homeserverPubky").GetString());
            Assert.True(DateTimeOffset.Parse(json.RootElement.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        }

        Assert.Equal(HttpStatusCode.OK, (await _client.PostSignupAsync(earned.Code, Signups.NewAuthToken(out _))).StatusCode);
        using (var used = await _client.GetAsync($"/invite/{earned.Code}/status"))
        {
            using var json = JsonDocument.Parse(await used.Content.ReadAsStringAsync());
            Assert.Equal("used", json.RootElement.GetProperty("state").GetString());
        }

        await (await _client.GetAsync("/invite/ABCD-EFGH-JKMN/status")).AssertProblemAsync(HttpStatusCode.NotFound, "code-not-found");
        await (await _client.GetAsync("/invite/not-a-code/status")).AssertProblemAsync(HttpStatusCode.NotFound, "code-not-found");
        Assert.DoesNotContain(Homeserver.Requests, r => r.Path.StartsWith("/invite", StringComparison.Ordinal));
    }
}
