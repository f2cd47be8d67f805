using System.Net;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.SignupGate;

/// <summary>Single use under concurrency, retries after homeserver failures, restarts.</summary>
public sealed class GateBehaviourTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-gate").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;
    private string _configFile = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _configFile = GatewayHost.WriteConfig(_directory, _db, _homeserver);
        _gateway = await GatewayHost.StartAsync(_configFile);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string NewPermit() => _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;

    [Fact]
    public async Task Fifty_concurrent_signups_with_one_permit_forward_exactly_one()
    {
        var permit = NewPermit();
        var bodies = Enumerable.Range(0, 50).Select(i => Signups.NewAuthToken(out _)).ToList();
        var responses = await Concurrently.SendAllAsync(bodies, body => _gateway.Client.PostSignupAsync(permit, body));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Single(_homeserver.SignupRequests);
        Assert.Single(_homeserver.Users);
        Assert.Equal(1, _homeserver.MintedTokenCount);
    }

    [Fact]
    public async Task Signup_the_homeserver_rejects_leaves_the_permit_usable_and_the_retry_reuses_the_minted_token()
    {
        var permit = NewPermit();
        var existing = Signups.NewAuthToken(out var existingUser);
        _homeserver.AddExistingUser(existingUser.PublicKeyZ32);

        var rejected = await _gateway.Client.PostSignupAsync(permit, existing);
        Assert.Equal(HttpStatusCode.Conflict, rejected.StatusCode);
        Assert.Equal("text/plain", rejected.Content.Headers.ContentType?.MediaType);

        var retry = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out var newUser));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Contains(newUser.PublicKeyZ32, _homeserver.Users);

        var tokens = _homeserver.SignupRequests.Select(r => r.Query("signup_token")).ToList();
        Assert.Equal(2, tokens.Count);
        Assert.Equal(tokens[0], tokens[1]);
        Assert.Equal(1, _homeserver.MintedTokenCount);
    }

    [Fact]
    public async Task Homeserver_down_gives_502_problem_and_the_permit_works_once_it_is_back()
    {
        var permit = NewPermit();
        await _homeserver.StopClientApiAsync();
        var down = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        await down.AssertProblemAsync(HttpStatusCode.BadGateway, "homeserver-unavailable", permit);

        await _homeserver.StartClientApiAsync();
        var retry = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(1, _homeserver.MintedTokenCount);
    }

    [Fact]
    public async Task Homeserver_error_status_releases_the_permit()
    {
        var permit = NewPermit();
        _homeserver.NextSignupResponses.Enqueue(500);
        var failed = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var state = await _gateway.Services.GetRequiredService<RedemptionStore>().GetStateAsync(JtiOf(permit), CancellationToken.None);
        Assert.Equal("released", state);

        var retry = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
    }

    [Fact]
    public async Task Admin_api_failure_while_minting_gives_502_and_keeps_the_permit()
    {
        var permit = NewPermit();
        await _gateway.DisposeAsync();
        var badPassword = GatewayHost.WriteConfig(Path.Combine(_directory, "bad"), _db, _homeserver, c =>
        {
            c["Homegate"]!["Homeserver"]!["AdminPassword"] = "wrong";
            c["Homegate"]!["Homeserver"]!["PublicKey"] = _homeserver.PublicKeyZ32;
            c["Homegate"]!["DataDir"] = Path.Combine(_directory, "data");
        });
        _gateway = await GatewayHost.StartAsync(badPassword);
        var failed = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        await failed.AssertProblemAsync(HttpStatusCode.BadGateway, "homeserver-unavailable", permit);
        Assert.Empty(_homeserver.SignupRequests);

        await _gateway.DisposeAsync();
        _gateway = await GatewayHost.StartAsync(_configFile);
        var ok = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Permits_survive_a_restart_and_redeemed_permits_stay_redeemed()
    {
        var unused = NewPermit();
        var redeemed = NewPermit();
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(redeemed, Signups.NewAuthToken(out _))).StatusCode);

        await _gateway.DisposeAsync();
        _gateway = await GatewayHost.StartAsync(_configFile);

        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(unused, Signups.NewAuthToken(out _))).StatusCode);
        var again = await _gateway.Client.PostSignupAsync(redeemed, Signups.NewAuthToken(out _));
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
    }

    [Fact]
    public async Task Signups_are_refused_with_503_when_the_database_is_unreachable()
    {
        var permit = NewPermit();
        await _gateway.DisposeAsync();
        var noDb = GatewayHost.WriteConfig(Path.Combine(_directory, "nodb"), _db, _homeserver, c =>
        {
            c["ConnectionStrings"]!["Homegate"] = "Host=127.0.0.1;Port=1;Username=x;Database=x;Timeout=2";
            c["Homegate"]!["Database"] = new System.Text.Json.Nodes.JsonObject { ["MigrateOnStart"] = false };
            c["Homegate"]!["DataDir"] = Path.Combine(_directory, "data");
        });
        _gateway = await GatewayHost.StartAsync(noDb);
        var refused = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage-unavailable", permit);
        Assert.Empty(_homeserver.SignupRequests);

        var passThrough = await _gateway.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, passThrough.StatusCode);
    }

    private static string JtiOf(string permit)
    {
        var payload = permit.Split('.')[2];
        Assert.True(Verification.Crypto.Base64Url.TryDecode(payload, out var bytes));
        using var json = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(0, bytes.Length - 64));
        return json.RootElement.GetProperty("jti").GetString()!;
    }
}
