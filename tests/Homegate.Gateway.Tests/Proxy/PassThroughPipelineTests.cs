using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.SignupGate;
using Homegate.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Homegate.Gateway.Tests.Proxy;

/// <summary>
/// Plain pass-through skips the CORS middleware and the rate limiter (issue 13); these tests pin down
/// what must not change with it: every spelling of a signup still meets the signup limiter and the gate,
/// and a proxy route that names its own CORS or rate-limit policy still gets it.
/// </summary>
public sealed class PassThroughPipelineTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-pipeline").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _db, _homeserver, c =>
        {
            var policies = c["Homegate"]!["RateLimits"]!["Policies"]!;
            policies["signup"] = new JsonObject { ["PermitLimit"] = 3, ["Window"] = "01:00:00" };
            policies["sms-status"] = new JsonObject { ["PermitLimit"] = 2, ["Window"] = "01:00:00" };
            var routes = c["ReverseProxy"]!["Routes"]!;
            routes["with-cors"] = new JsonObject
            {
                ["ClusterId"] = "homeserver",
                ["CorsPolicy"] = "homegate",
                ["Match"] = new JsonObject { ["Path"] = "/with-cors/{**rest}" },
            };
            routes["with-limit"] = new JsonObject
            {
                ["ClusterId"] = "homeserver",
                ["RateLimiterPolicy"] = "sms-status",
                ["Match"] = new JsonObject { ["Path"] = "/with-limit/{**rest}" },
            };
        }));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Every_signup_spelling_meets_one_signup_limit_and_the_gate_while_pass_through_stays_unlimited()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await _gateway.Client.GetAsync("/pub/example.com/file.txt")).StatusCode);
        }

        // Limit 3 per client: the first three spellings pass the limiter and are refused by the gate (no
        // permit); the rest are refused by the limiter, which therefore counted the first three.
        string[] admitted = ["/SIGNUP", "/%73ignup", "/auth%2Fgrant%2Fsignup"];
        string[] limited = ["/signup//", "/auth/grant/signup", "/Signup"];
        foreach (var path in admitted)
        {
            await (await _gateway.Client.PostSignupAsync(null, Signups.NewAuthToken(out _), path)).AssertProblemAsync(HttpStatusCode.Unauthorized, "permit-missing");
        }

        foreach (var path in limited)
        {
            await (await _gateway.Client.PostSignupAsync(null, Signups.NewAuthToken(out _), path)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        }

        Assert.Empty(_homeserver.SignupRequests);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await _gateway.Client.GetAsync("/pub/example.com/file.txt")).StatusCode);
    }

    [Fact]
    public async Task A_proxy_route_with_its_own_cors_policy_answers_with_cors()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/with-cors/anything");
        request.Headers.TryAddWithoutValidation("Origin", "https://signup.example");
        var response = await _gateway.Client.SendAsync(request);
        Assert.True((int)response.StatusCode < 500, response.StatusCode.ToString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Single(_homeserver.Requests, r => r.Path == "/with-cors/anything");
    }

    [Fact]
    public async Task A_proxy_route_with_its_own_rate_limit_policy_is_limited()
    {
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await _gateway.Client.GetAsync("/with-limit/a")).StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await _gateway.Client.GetAsync("/with-limit/b")).StatusCode);
        await (await _gateway.Client.GetAsync("/with-limit/c")).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public void A_request_is_classified_for_the_path_it_has_now_never_from_a_stale_answer()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/pub/example.com/file.txt";
        Assert.Equal(SignupEndpoint.None, SignupPaths.Classify(context));
        Assert.Null(context.Features.Get<SignupClassification>());

        context.Request.Path = new PathString("/%73ignup");
        Assert.Equal(SignupEndpoint.Signup, SignupPaths.Classify(context));
        Assert.Equal(SignupEndpoint.Signup, SignupPaths.Classify(context));

        context.Request.Path = new PathString("/auth/grant/%73ignup");
        Assert.Equal(SignupEndpoint.GrantSignup, SignupPaths.Classify(context));
        context.Request.Path = new PathString("/pub/a%20signup%20note.txt");
        Assert.Equal(SignupEndpoint.None, SignupPaths.Classify(context));
    }
}
