using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Gateway.Tests.Page;

/// <summary>
/// Homegate with SMS and Lightning against the sandbox fakes (homeserver, Prelude, PhoenixD), plus a
/// second origin ("the app") on another port that serves a blank page at <c>/app</c> and the allowed
/// return page at <c>/back</c>. <see cref="Configure"/> lets a test class change the config.
/// </summary>
public abstract class PageTestBase : HomeserverTestBase
{
    private WebApplication _app = null!;

    protected FakePrelude Prelude { get; private set; } = null!;

    protected override FakeHomeserverOptions HomeserverOptions => new() { Cors = true };

    protected FakePhoenixd Phoenixd { get; private set; } = null!;

    protected GatewayHost Host { get; private set; } = null!;

    /// <summary>The other origin, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    protected string AppOrigin { get; private set; } = "";

    protected string JoinUrl => new Uri(Host.BaseUrl, "join").ToString();

    protected virtual void Configure(JsonObject homegate)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Prelude = await FakePrelude.StartAsync();
        Phoenixd = await FakePhoenixd.StartAsync();
        _app = await StartAppOriginAsync();
        AppOrigin = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
        {
            var homegate = config["Homegate"]!.AsObject();
            homegate["Sms"] = FakeSections.Sms(Prelude);
            homegate["Lightning"] = FakeSections.Lightning(Phoenixd);
            homegate["Page"] = new JsonObject
            {
                ["OperatorName"] = "Example Homeserver Ltd",
                ["TermsUrl"] = "https://example.org/terms",
                ["ReturnUrls"] = new JsonArray(AppOrigin + "/back"),
            };
            Configure(homegate);
        }));
    }

    public override async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Phoenixd.DisposeAsync();
        await Prelude.DisposeAsync();
        await base.DisposeAsync();
    }

    private static async Task<WebApplication> StartAppOriginAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/app", () => Results.Content("<!doctype html><title>app</title><p>another site</p>", "text/html"));
        app.MapGet("/back", () => Results.Content("<!doctype html><title>back</title><p>returned</p>", "text/html"));
        await app.StartAsync();
        return app;
    }
}
