using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Hosting;
using Homegate.Gateway.Lightning;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Lightning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Lightning;

/// <summary>
/// Issue 4's end-to-end path through the real gateway composition: create → pay in the fake
/// PhoenixD → <c>/await</c> returns paid with a permit → signup through the gate succeeds → the
/// permit fails a second time.
/// </summary>
public sealed class LightningSignupEndToEndTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-ln-e2e").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private FakePhoenixd _phoenixd = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _phoenixd = await FakePhoenixd.StartAsync();
        var configFile = GatewayHost.WriteConfig(_directory, _db, _homeserver, config =>
        {
            var homegate = (JsonObject)config["Homegate"]!;
            homegate["Lightning"] = new JsonObject { ["BaseUrl"] = _phoenixd.BaseUrl.ToString(), ["Password"] = _phoenixd.Password };
        });

        // Until the host composes Lightning itself, add it the way it will: services and endpoints.
        var hostWiresLightning = false;
        _app = HomegateApp.Build(new HomegateStart(configFile, ["--urls", "http://127.0.0.1:0"]), services =>
        {
            hostWiresLightning = services.Any(d => d.ServiceType == typeof(LightningVerificationService));
            if (!hostWiresLightning)
            {
                services.AddLightningVerification(new ConfigurationBuilder().AddJsonFile(configFile).Build());
            }
        });
        if (!hostWiresLightning)
        {
            _app.MapLightningVerification();
        }

        await HomegateApp.InitializeAsync(_app, CancellationToken.None);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _phoenixd.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
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
        Assert.Contains(user.PublicKeyZ32, _homeserver.Users);

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
        Assert.Single(_homeserver.SignupRequests);
    }
}
