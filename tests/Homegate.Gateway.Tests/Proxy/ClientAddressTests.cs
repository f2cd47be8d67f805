using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.RateLimiting;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Proxy;

/// <summary>Who the client is: the peer, unless the peer is a trusted proxy. Rate limits key on it.</summary>
public sealed class ClientAddressTests : HomeserverTestBase
{
    private Task<GatewayHost> StartAsync(string name, int signupLimit, params string[] trusted) =>
        GatewayHost.StartAsync(GatewayHost.WriteConfig(Path.Combine(TempDirectory, name), Db, Homeserver, c =>
        {
            c["Homegate"]!["RateLimits"]!["Policies"]!["signup"] = new JsonObject { ["PermitLimit"] = signupLimit, ["Window"] = "00:10:00" };
            c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray(trusted.Select(t => (JsonNode)t).ToArray()) };
        }));

    private static HttpRequestMessage Signup(string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/signup") { Content = new ByteArrayContent(Signups.NewAuthToken(out _)) };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return request;
    }

    [Fact]
    public async Task Spoofed_X_Forwarded_For_neither_changes_the_rate_limit_key_nor_reaches_the_homeserver()
    {
        await using var gateway = await StartAsync("untrusted", signupLimit: 2);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.SendAsync(Signup("6.6.6.6"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.SendAsync(Signup("7.7.7.7"))).StatusCode);
        var third = await gateway.Client.SendAsync(Signup("8.8.8.8"));
        await third.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");

        var passThrough = new HttpRequestMessage(HttpMethod.Get, "/");
        passThrough.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(passThrough)).StatusCode);
        Assert.All(Homeserver.Requests, r => Assert.Equal("127.0.0.1", r.Header("X-Forwarded-For")));
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_trusted_proxy_sets_the_client_address()
    {
        await using var gateway = await StartAsync("trusted", signupLimit: 1, "127.0.0.0/8");
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.SendAsync(Signup("6.6.6.6"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.SendAsync(Signup("7.7.7.7"))).StatusCode);
        await (await gateway.Client.SendAsync(Signup("6.6.6.6"))).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");

        Homeserver.ClearRecorded();
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "9.9.9.9, 6.6.6.6");
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(request)).StatusCode);
        Assert.Equal("6.6.6.6", Assert.Single(Homeserver.Requests).Header("X-Forwarded-For"));
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64")]
    public void Rate_limit_key_is_the_IPv4_address_or_the_IPv6_64_prefix(string address, string key) =>
        Assert.Equal(key, RateLimitingFeature.ClientKey(IPAddress.Parse(address)));
}
