using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Lightning;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Lightning;

/// <summary>
/// Issue 4's end-to-end path through the real gateway composition: create → pay in the fake
/// PhoenixD → <c>/await</c> returns paid with a permit → signup through the gate succeeds → the
/// permit fails a second time.
/// </summary>
public sealed class LightningSignupEndToEndTests : HomeserverTestBase
{
    private FakePhoenixd _phoenixd = null!;
    private GatewayHost _host = null!;
    private HttpClient _client = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _phoenixd = await FakePhoenixd.StartAsync();
        _host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
            config["Homegate"]!["Lightning"] = FakeSections.Lightning(_phoenixd, ("ReconnectDelay", "00:00:01"))));
        _client = _host.Client;
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _phoenixd.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Lightning_permit_signs_up_its_user_once_and_only_its_user()
    {
        var body = Signups.NewAuthToken(out var user);
        using var created = await _client.PostAsJsonAsync("/ln_verification", new { pubky = user.PublicKeyZ32 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Guid id;
        using (var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
        {
            id = json.RootElement.GetProperty("verificationId").GetGuid();
        }

        var awaiting = _client.GetAsync($"/ln_verification/{id}/await");
        Assert.True(await _phoenixd.PayAsync(Assert.Single(_phoenixd.Invoices).PaymentHash));
        using var paid = await awaiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        string permit;
        using (var json = JsonDocument.Parse(await paid.Content.ReadAsStringAsync()))
        {
            Assert.Equal("paid", json.RootElement.GetProperty("status").GetString());
            permit = json.RootElement.GetProperty("signupToken").GetString()!;
        }

        var stranger = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Contains("permit-subject-mismatch", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var signup = await _client.PostSignupAsync(permit, body);
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);

        var again = await _client.PostSignupAsync(permit, AuthTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("permit-already-used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Reading the paid verification again gives a fresh permit for the same verification: still used.
        using var reread = await _client.GetAsync($"/ln_verification/{id}");
        string second;
        using (var json = JsonDocument.Parse(await reread.Content.ReadAsStringAsync()))
        {
            second = json.RootElement.GetProperty("signupToken").GetString()!;
        }

        var replay = await _client.PostSignupAsync(second, AuthTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(2)));
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Single(Homeserver.SignupRequests);
    }

    [Fact]
    public async Task Watcher_status_reports_degraded_while_phoenixd_is_down_and_recovers()
    {
        var status = _host.Services.GetRequiredService<LightningWatcherStatus>();
        Assert.True(await WaitForAsync(() => status.Leader && status.Connected && status.Listening && !status.Degraded));

        _phoenixd.Down = true;
        await _phoenixd.DropSocketsAsync();
        Assert.True(await WaitForAsync(() => status.Degraded && !status.Connected));
        using (var create = await _client.PostAsync("/ln_verification", null))
        {
            await create.AssertProblemAsync(HttpStatusCode.BadGateway, "lightning-unavailable");
        }

        _phoenixd.Down = false;
        Assert.True(await WaitForAsync(() => status.Connected));
        using (var create = await _client.PostAsync("/ln_verification", null))
        {
            Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        }

        Assert.False(status.Degraded);
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        return condition();
    }
}
