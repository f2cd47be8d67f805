using System.Text.Json.Nodes;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>
/// The real homegate with SMS (fake Prelude) and Lightning (fake PhoenixD) enabled in front of the
/// fake homeserver, per-IP limits out of the way, and every log entry captured (<see cref="Logs"/>).
/// </summary>
public abstract class FullGatewayTestBase : HomeserverTestBase
{
    protected FakePrelude Prelude { get; private set; } = null!;

    protected FakePhoenixd Phoenixd { get; private set; } = null!;

    protected GatewayHost Host { get; private set; } = null!;

    protected CapturedLogs Logs { get; } = new();

    protected HttpClient Client => Host.Client;

    /// <summary>Extra changes to the config file (e.g. a switch under test).</summary>
    protected virtual void EditConfig(JsonObject config)
    {
    }

    /// <summary>Extra service registrations.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Prelude = await FakePrelude.StartAsync();
        Phoenixd = await FakePhoenixd.StartAsync();
        var file = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
        {
            var homegate = config["Homegate"]!;
            homegate["Sms"] = FakeSections.Sms(Prelude);
            homegate["Lightning"] = FakeSections.Lightning(Phoenixd, ("AwaitTimeoutSeconds", 1));
            var policies = new JsonObject();
            foreach (var name in new[] { "signup", "sms-send", "sms-verify", "sms-status", "ln-create", "ln-read" })
            {
                policies[name] = new JsonObject { ["PermitLimit"] = 1_000_000, ["Window"] = "00:01:00" };
            }

            homegate["RateLimits"] = new JsonObject { ["Policies"] = policies };
            EditConfig(config);
        });
        Host = await GatewayHost.StartAsync(file, services =>
        {
            services.AddSingleton<ILoggerProvider>(Logs);
            ConfigureServices(services);
        });
    }

    public override async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Phoenixd.DisposeAsync();
        await Prelude.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Error-level (and worse) entries captured so far.</summary>
    protected IReadOnlyList<string> ErrorLogs
        => Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
}
