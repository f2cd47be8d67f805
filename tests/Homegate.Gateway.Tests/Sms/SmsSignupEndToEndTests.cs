using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Homegate.Fakes.Prelude;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// Issue 3's end-to-end path through the real gateway composition: send_code → verify_code → signup
/// through the gate with the SMS permit → the fake homeserver creates the user; the permit then
/// fails a second time.
/// </summary>
public sealed class SmsSignupEndToEndTests : HomeserverTestBase
{
    private FakePrelude _prelude = null!;
    private GatewayHost _host = null!;
    private HttpClient _client = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _prelude = await FakePrelude.StartAsync();
        _host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
            config["Homegate"]!["Sms"] = FakeSections.Sms(_prelude)));
        _client = _host.Client;
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _prelude.DisposeAsync();
        await base.DisposeAsync();
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
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);

        var again = await _client.PostSignupAsync(permit, AuthTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("permit-already-used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(Homeserver.SignupRequests);
    }
}
