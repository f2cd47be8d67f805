using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Prelude;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Hosting;
using Homegate.Gateway.Sms;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Sms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// Issue 3's end-to-end path through the real gateway composition: send_code → verify_code → signup
/// through the gate with the SMS permit → the fake homeserver creates the user; the permit then
/// fails a second time.
/// </summary>
public sealed class SmsSignupEndToEndTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-sms-e2e").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private FakePrelude _prelude = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _prelude = await FakePrelude.StartAsync();
        var configFile = GatewayHost.WriteConfig(_directory, _db, _homeserver, config =>
        {
            var homegate = (JsonObject)config["Homegate"]!;
            homegate["Sms"] = new JsonObject { ["ApiKey"] = _prelude.ApiKey, ["BaseUrl"] = _prelude.BaseUrl.ToString() };
        });

        // Until the host composes SMS itself, add it the way it will: services, endpoints, pepper check.
        var hostWiresSms = false;
        _app = HomegateApp.Build(new HomegateStart(configFile, ["--urls", "http://127.0.0.1:0"]), services =>
        {
            hostWiresSms = services.Any(d => d.ServiceType == typeof(SmsVerificationService));
            if (!hostWiresSms)
            {
                services.AddSmsVerification(new ConfigurationBuilder().AddJsonFile(configFile).Build());
            }
        });
        if (!hostWiresSms)
        {
            _app.MapSmsVerification();
        }

        await HomegateApp.InitializeAsync(_app, CancellationToken.None);
        await PepperGuard.EnsureAsync(_app.Services);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _prelude.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Sms_permit_signs_up_its_user_once_and_only_its_user()
    {
        var phone = SmsTestHost.NewPhoneNumber();
        var body = Signups.NewAuthToken(out var user);
        var sent = await _client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone, pubky = user.PublicKeyZ32 });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var verified = await _client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = _prelude.LastCodeFor(phone) });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        string permit;
        using (var json = JsonDocument.Parse(await verified.Content.ReadAsStringAsync()))
        {
            permit = json.RootElement.GetProperty("signupToken").GetString()!;
        }

        // Bound to the pubky given with send_code: another user cannot use it.
        var stranger = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Contains("permit-subject-mismatch", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var signup = await _client.PostSignupAsync(permit, body);
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
        Assert.Contains(user.PublicKeyZ32, _homeserver.Users);

        var again = await _client.PostSignupAsync(permit, AuthTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("permit-already-used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(_homeserver.SignupRequests);
    }
}
