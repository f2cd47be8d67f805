using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Cli;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Configuration;

/// <summary>Issue 10 item 10: a reservation lease shorter than a forward may last is refused at start.</summary>
public sealed class ReservationLeaseTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-lease").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("serve", "00:00:30", null)]
    [InlineData("serve", "00:00:05", "00:00:10")]
    [InlineData("check-config", "00:00:30", null)]
    public async Task A_lease_not_longer_than_the_activity_timeout_is_refused_naming_both_keys(string command, string lease, string? activityTimeout)
    {
        var config = GatewayHost.WriteConfig(_directory, _db, _homeserver, c =>
        {
            c["Homegate"]!["Gate"] = new System.Text.Json.Nodes.JsonObject { ["ReservationLease"] = lease };
            var cluster = c["ReverseProxy"]!["Clusters"]!["homeserver"]!.AsObject();
            if (activityTimeout is null)
            {
                cluster.Remove("HttpRequest");
            }
            else
            {
                cluster["HttpRequest"]!["ActivityTimeout"] = activityTimeout;
            }
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        var args = command == "serve" ? new[] { command, "--config", config, "--urls", "http://127.0.0.1:0" } : [command, "--config", config];

        // A serve that does not refuse would run until stopped: give it a bounded time to exit.
        var run = HomegateCli.RunAsync(args, output, error);
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));

        Assert.Equal(1, await run);
        Assert.Contains("Homegate:Gate:ReservationLease", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:Clusters:homeserver:HttpRequest:ActivityTimeout", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lease_longer_than_the_activity_timeout_starts()
    {
        var config = GatewayHost.WriteConfig(_directory, _db, _homeserver, c =>
            c["Homegate"]!["Gate"] = new System.Text.Json.Nodes.JsonObject { ["ReservationLease"] = "00:00:06" });
        await using var gateway = await GatewayHost.StartAsync(config);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await gateway.Client.GetAsync("/")).StatusCode);
    }
}
