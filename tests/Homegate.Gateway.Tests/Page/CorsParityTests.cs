using System.Net;
using System.Net.Http.Headers;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Page;

/// <summary>Answers homegate produces on the homeserver's paths carry the CORS headers the homeserver
/// would send (echoed Origin, credentials allowed); the homeserver's own answers pass through as sent.</summary>
public sealed class CorsParityTests : HomeserverTestBase
{
    private const string Origin = "https://app.example";
    private GatewayHost _host = null!;

    protected override FakeHomeserverOptions HomeserverOptions => new() { Cors = true };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver));
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Preflight_and_refused_signup_from_another_origin_both_allow_that_origin_with_credentials()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/signup?signup_token=x");
        preflight.Headers.Add("Origin", Origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var preflightAnswer = await _host.Client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.OK, preflightAnswer.StatusCode);
        AssertCors(preflightAnswer);
        Assert.Equal("POST", preflightAnswer.Headers.GetValues("Access-Control-Allow-Methods").Single());

        using var refused = new HttpRequestMessage(HttpMethod.Post, "/signup") { Content = new ByteArrayContent(Signups.NewAuthToken(out _)) };
        refused.Headers.Add("Origin", Origin);
        using var answer = await _host.Client.SendAsync(refused);
        await answer.AssertProblemAsync(HttpStatusCode.Unauthorized, "permit-missing");
        AssertCors(answer);
        Assert.Contains("Retry-After", answer.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain(Homeserver.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Gateway_errors_on_homeserver_paths_carry_cors_but_own_endpoints_keep_their_policy()
    {
        Homeserver.Down = true;
        using var down = new HttpRequestMessage(HttpMethod.Get, "/pub/example.txt");
        down.Headers.Add("Origin", Origin);
        using var downAnswer = await _host.Client.SendAsync(down);
        await downAnswer.AssertProblemAsync(HttpStatusCode.BadGateway, "homeserver-unavailable");
        AssertCors(downAnswer);

        // Homegate's own endpoints keep Homegate:Cors (any origin, never credentials).
        using var own = new HttpRequestMessage(HttpMethod.Get, "/.well-known/homegate/permit-keys");
        own.Headers.Add("Origin", Origin);
        using var ownAnswer = await _host.Client.SendAsync(own);
        Assert.Equal("*", ownAnswer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(ownAnswer.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Rate_limited_signup_from_another_origin_is_readable_with_its_wait()
    {
        var directory = Path.Combine(TempDirectory, "limited");
        await using var limited = await GatewayHost.StartAsync(GatewayHost.WriteConfig(directory, Db, Homeserver, config =>
            config["Homegate"]!["RateLimits"]!["Policies"]!["signup"] = new System.Text.Json.Nodes.JsonObject { ["PermitLimit"] = 1, ["Window"] = "00:10:00" }));
        HttpResponseMessage? last = null;
        for (var i = 0; i < 2; i++)
        {
            last?.Dispose();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/signup") { Content = new ByteArrayContent(Signups.NewAuthToken(out _)) };
            request.Headers.Add("Origin", Origin);
            last = await limited.Client.SendAsync(request);
        }

        using var answer = last!;
        await answer.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        AssertCors(answer);
        Assert.Equal("Retry-After", answer.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Fact]
    public async Task Homeserver_answers_pass_through_with_the_homeservers_own_cors_headers_only()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Origin", Origin);
        using var answer = await _host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        AssertCors(answer);
        Assert.False(answer.Headers.Contains("Access-Control-Expose-Headers"), "the gate decorated a homeserver answer");

        using var plain = await _host.Client.PostAsync("/signup", new ByteArrayContent(Signups.NewAuthToken(out _)));
        Assert.False(plain.Headers.Contains("Access-Control-Allow-Origin"), "no Origin, no CORS headers");
    }

    [Fact]
    public async Task Problem_details_keep_apostrophes_readable()
    {
        using var refused = await _host.Client.PostAsync("/signup", new ByteArrayContent(Signups.NewAuthToken(out _)));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("'signup_token'", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", body, StringComparison.Ordinal);
        Assert.Equal(new MediaTypeHeaderValue("application/problem+json").MediaType, refused.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertCors(HttpResponseMessage answer)
    {
        Assert.Equal(Origin, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", answer.Headers.GetValues("Access-Control-Allow-Credentials").Single());
    }
}
