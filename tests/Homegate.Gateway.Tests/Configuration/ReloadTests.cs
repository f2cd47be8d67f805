using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Configuration;

/// <summary>Rate limits and routes follow the config file without a restart; a bad edit changes nothing.</summary>
public sealed class ReloadTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-reload").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _gateway = await GatewayHost.StartAsync(WriteConfig(signupLimit: 2));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string WriteConfig(JsonNode signupLimit, Action<JsonObject>? more = null) =>
        GatewayHost.WriteConfig(_directory, _db, _homeserver, c =>
        {
            c["Homegate"]!["RateLimits"]!["Policies"]!["signup"] = new JsonObject { ["PermitLimit"] = signupLimit, ["Window"] = "01:00:00" };
            more?.Invoke(c);
        });

    private async Task<HttpStatusCode> SignupStatus(string clientIp)
    {
        // Each call comes from its own trusted-proxy client address, so windows never collide.
        var request = new HttpRequestMessage(HttpMethod.Post, "/signup") { Content = new ByteArrayContent(Signups.NewAuthToken(out _)) };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", clientIp);
        return (await _gateway.Client.SendAsync(request)).StatusCode;
    }

    /// <summary>How many signups one fresh client gets before 429 (401s, as no permit is sent).</summary>
    private async Task<int> AllowanceOf(string clientIp, int probeUpTo)
    {
        for (var i = 0; i < probeUpTo; i++)
        {
            var status = await SignupStatus(clientIp);
            if (status == HttpStatusCode.TooManyRequests)
            {
                return i;
            }

            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }

        return probeUpTo;
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value) || clock.Elapsed > within)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_changed_rate_limit_takes_effect_within_five_seconds_without_a_restart()
    {
        await _gateway.DisposeAsync();
        _gateway = await GatewayHost.StartAsync(WriteConfig(2, c => c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.0/8") }));
        Assert.Equal(2, await AllowanceOf("10.0.0.1", 10));

        var clock = Stopwatch.StartNew();
        WriteConfig(5, c => c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.0/8") });
        var client = 2;
        var allowance = await Eventually(() => AllowanceOf($"10.0.0.{client++}", 10), a => a == 5, TimeSpan.FromSeconds(5));
        Assert.Equal(5, allowance);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5.5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task An_invalid_rate_limit_edit_is_rejected_and_the_previous_limits_stay_in_force()
    {
        await _gateway.DisposeAsync();
        _gateway = await GatewayHost.StartAsync(WriteConfig(2, c => c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.0/8") }));
        WriteConfig(0, c => c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.0/8") });
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await AllowanceOf("10.1.0.1", 10));

        WriteConfig("many", c => c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.0/8") });
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await AllowanceOf("10.1.0.2", 10));
    }

    [Fact]
    public async Task A_changed_route_takes_effect_without_a_restart()
    {
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/")).StatusCode);
        WriteConfig(2, c => c["ReverseProxy"]!["Routes"]!["homeserver"]!["Match"]!["Path"] = "/pub/{**rest}");
        var status = await Eventually(async () => (await _gateway.Client.GetAsync("/")).StatusCode, s => s == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Own_endpoints_answer_cross_origin_preflights_and_proxied_answers_keep_the_homeservers_cors()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/sms_verification/send_code");
        preflight.Headers.TryAddWithoutValidation("Origin", "https://signup.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type");
        var answer = await _gateway.Client.SendAsync(preflight);
        Assert.True(answer.IsSuccessStatusCode, answer.StatusCode.ToString());
        Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Credentials"));

        var keys = new HttpRequestMessage(HttpMethod.Get, "/.well-known/homegate/permit-keys");
        keys.Headers.TryAddWithoutValidation("Origin", "https://signup.example");
        Assert.Equal("*", (await _gateway.Client.SendAsync(keys)).Headers.GetValues("Access-Control-Allow-Origin").Single());

        var proxied = new HttpRequestMessage(HttpMethod.Get, "/");
        proxied.Headers.TryAddWithoutValidation("Origin", "https://signup.example");
        var fromHomeserver = await _gateway.Client.SendAsync(proxied);
        Assert.Equal(HttpStatusCode.OK, fromHomeserver.StatusCode);
        Assert.False(fromHomeserver.Headers.Contains("Access-Control-Allow-Origin"), "homegate added CORS to a proxied answer");
    }
}
