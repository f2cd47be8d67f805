using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Health;

/// <summary>
/// Issue 5 acceptance: stopping PostgreSQL turns readiness unhealthy within one probe while liveness
/// stays healthy, pass-through keeps flowing and signups get 503; restarting it recovers without
/// restarting homegate. Runs on a PostgreSQL of its own that the test stops and starts.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-outage").FullName;
    private ThrowawayPostgres _postgres = null!;
    private TestDatabase _unused = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _postgres = await ThrowawayPostgres.StartAsync();
        _unused = await TestDatabase.CreateAsync(migrate: false);
        _homeserver = await FakeHomeserver.StartAsync();
        _gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _unused, _homeserver, config =>
            config["ConnectionStrings"] = new JsonObject { ["Homegate"] = _postgres.ConnectionString }));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _unused.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string NewPermit() => _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;

    [Fact]
    public async Task Stopping_postgres_fails_readiness_at_once_keeps_pass_through_and_refuses_signups_then_recovers_without_restart()
    {
        // Warm the pool: these connections die with the server and must not poison anything afterwards.
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(NewPermit(), Signups.NewAuthToken(out _))).StatusCode);
        Assert.Equal("healthy", (await Readiness.GetAsync(_gateway.Client)).Overall);

        await _postgres.StopAsync();

        var down = await Readiness.GetAsync(_gateway.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("unhealthy", down.Overall);
        Assert.Equal("unhealthy", down.Check("database"));
        Assert.Equal("healthy", down.Check("configuration"));
        Assert.DoesNotContain(_postgres.ConnectionString, down.Raw, StringComparison.Ordinal);

        var live = await Readiness.GetAsync(_gateway.Client, "/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);

        _homeserver.ClearRecorded();
        using (var passThrough = await _gateway.Client.GetAsync("/some/public/path"))
        {
            Assert.Single(_homeserver.Requests, r => r.Path == "/some/public/path");
            Assert.NotEqual(HttpStatusCode.ServiceUnavailable, passThrough.StatusCode);
            Assert.NotEqual(HttpStatusCode.BadGateway, passThrough.StatusCode);
        }

        var permit = NewPermit();
        var refused = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage-unavailable", permit);
        Assert.Empty(_homeserver.SignupRequests);

        await _postgres.StartAgainAsync();

        var up = await Readiness.GetAsync(_gateway.Client);
        Assert.Equal(HttpStatusCode.OK, up.Status);
        Assert.Equal("healthy", up.Check("database"));

        // The refused permit was never reserved: it works now, and so do fresh ones.
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(NewPermit(), Signups.NewAuthToken(out _))).StatusCode);
        }
    }
}
