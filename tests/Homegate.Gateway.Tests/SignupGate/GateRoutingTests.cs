using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.SignupGate;

/// <summary>The gate holds whatever the routes say, and in Open mode the permit is stripped.</summary>
public sealed class GateRoutingTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-routing").FullName;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_route_that_rewrites_another_path_into_signup_is_refused_and_not_forwarded()
    {
        await using var homeserver = await FakeHomeserver.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _db, homeserver, c =>
        {
            c["ReverseProxy"]!["Routes"]!["register"] = new JsonObject
            {
                ["ClusterId"] = "homeserver",
                ["Match"] = new JsonObject { ["Path"] = "/register" },
                ["Transforms"] = new JsonArray(new JsonObject { ["PathSet"] = "/signup" }),
            };
        }));
        var permit = gateway.Issuer.Issue("inv:rewrite", "invite", null).Token;
        var response = await gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _), path: "/register");
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "permit-invalid", permit);
        Assert.Empty(homeserver.SignupRequests);
    }

    [Fact]
    public async Task In_open_mode_the_permit_is_checked_and_removed_before_forwarding()
    {
        await using var homeserver = await FakeHomeserver.StartAsync(new FakeHomeserverOptions { SignupMode = FakeSignupMode.Open });
        await using var gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _db, homeserver));
        var permit = gateway.Issuer.Issue("inv:open", "invite", null).Token;

        await (await gateway.Client.PostSignupAsync(null, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Unauthorized, "permit-missing");
        var response = await gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(homeserver.SignupRequests);
        Assert.Null(forwarded.Query("signup_token"));
        Assert.Equal(0, homeserver.MintedTokenCount);
        Assert.Contains(user.PublicKeyZ32, homeserver.Users);

        await (await gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
    }
}
