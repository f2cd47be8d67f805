using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Lightning;
using Npgsql;

namespace Homegate.Gateway.Tests.Health;

/// <summary>/healthz/live and /healthz/ready against the real host.</summary>
public sealed class HealthEndpointTests : HomeserverTestBase
{
    private Task<GatewayHost> StartAsync(Action<JsonObject>? edit = null) =>
        GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, edit));

    [Fact]
    public async Task Live_and_ready_answer_healthy_with_detail_per_check_and_never_reach_the_homeserver()
    {
        await using var gateway = await StartAsync();

        var live = await Readiness.GetAsync(gateway.Client, "/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Equal("healthy", live.Overall);

        var ready = await Readiness.GetAsync(gateway.Client);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("healthy", ready.Overall);
        Assert.Equal("healthy", ready.Check("database"));
        Assert.Equal("healthy", ready.Check("configuration"));
        Assert.Equal("disabled", ready.Detail("lightning"));
        Assert.Equal("disabled", ready.Detail("sms"));
        using var unknown = await gateway.Client.GetAsync("/healthz/other");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Homeserver.Requests, r => r.Path.Contains("healthz", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Health_endpoints_are_not_rate_limited_even_when_every_limit_is_one()
    {
        await using var gateway = await StartAsync(config =>
        {
            var policies = (JsonObject)config["Homegate"]!["RateLimits"]!["Policies"]!;
            foreach (var name in new[] { "signup", "sms-send", "sms-verify", "sms-status", "ln-create", "ln-read" })
            {
                policies[name] = new JsonObject { ["PermitLimit"] = 1, ["Window"] = "01:00:00" };
            }
        });

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Readiness.GetAsync(gateway.Client)).Status);
            Assert.Equal(HttpStatusCode.OK, (await Readiness.GetAsync(gateway.Client, "/healthz/live")).Status);
        }
    }

    [Fact]
    public async Task Sms_enabled_reports_the_prelude_key_present_without_revealing_it()
    {
        const string key = "sk_test_do_not_leak_4f9a";
        await using var gateway = await StartAsync(config => config["Homegate"]!["Sms"] = new JsonObject
        {
            ["ApiKey"] = key,
            ["BaseUrl"] = "http://127.0.0.1:9/",
        });

        var ready = await Readiness.GetAsync(gateway.Client);
        Assert.Equal("healthy", ready.Check("sms"));
        Assert.Equal("Prelude API key present", ready.Detail("sms"));
        Assert.DoesNotContain(key, ready.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_rate_limit_edit_shows_as_degraded_configuration_and_the_instance_stays_ready()
    {
        await using var gateway = await StartAsync();
        var text = await File.ReadAllTextAsync(gateway.ConfigFile);
        var config = JsonNode.Parse(text)!;
        config["Homegate"]!["RateLimits"]!["Policies"]!["signup"]!["PermitLimit"] = "many";
        await File.WriteAllTextAsync(gateway.ConfigFile, config.ToJsonString());

        var ready = await Readiness.UntilAsync(gateway.Client, a => a.Check("configuration") == "degraded", TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("degraded", ready.Overall);
        Assert.Contains("Homegate:RateLimits:Policies:signup:PermitLimit", ready.Detail("configuration"), StringComparison.Ordinal);

        await File.WriteAllTextAsync(gateway.ConfigFile, text);
        await Readiness.UntilAsync(gateway.Client, a => a.Overall == "healthy", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Lightning_is_healthy_on_the_instance_holding_the_phoenixd_socket()
    {
        await using var phoenixd = await FakePhoenixd.StartAsync();
        await using var gateway = await StartAsync(config => config["Homegate"]!["Lightning"] = LightningConfig(phoenixd));

        var ready = await Readiness.UntilAsync(gateway.Client, a => a.Check("lightning") == "healthy", TimeSpan.FromSeconds(15));
        Assert.Equal("this instance holds the PhoenixD socket", ready.Detail("lightning"));
        Assert.DoesNotContain(phoenixd.Password, ready.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lightning_on_a_follower_is_healthy_while_another_session_holds_the_leader_lock_and_degraded_when_nobody_does()
    {
        await using var phoenixd = await FakePhoenixd.StartAsync();

        // Another "instance": a session holding the watcher's advisory lock.
        var otherInstance = new NpgsqlConnection(Db.ConnectionString + ";Pooling=false");
        await otherInstance.OpenAsync();
        await otherInstance.ExecuteAsync("SELECT pg_advisory_lock(@Key)", new { Key = LightningPaymentWatcher.LeaderLockKey });
        await using var gateway = await StartAsync(config => config["Homegate"]!["Lightning"] = LightningConfig(phoenixd, leaderRetry: "00:05:00"));

        var follower = await Readiness.UntilAsync(gateway.Client, a => a.Check("lightning") == "healthy", TimeSpan.FromSeconds(15));
        Assert.Equal("another instance holds the PhoenixD socket", follower.Detail("lightning"));
        Assert.Equal(0, phoenixd.SocketConnections);

        // The other instance dies; this one only retries the lock every 5 minutes, so nobody holds it now.
        await otherInstance.DisposeAsync();
        var orphaned = await Readiness.UntilAsync(gateway.Client, a => a.Check("lightning") == "degraded", TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, orphaned.Status);
        Assert.Equal("no instance holds the PhoenixD socket", orphaned.Detail("lightning"));
    }

    private static JsonObject LightningConfig(FakePhoenixd phoenixd, string leaderRetry = "00:00:00.300") =>
        FakeSections.Lightning(phoenixd, ("RequestTimeout", "00:00:02"), ("ReconnectDelay", "00:00:00.100"), ("LeaderRetryInterval", leaderRetry));
}
