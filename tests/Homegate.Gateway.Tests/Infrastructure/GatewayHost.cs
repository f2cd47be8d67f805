using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Hosting;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>
/// The real homegate (the same composition as <c>homegate serve</c>) on Kestrel at 127.0.0.1:0, with a
/// config file written to a temp directory, in front of a <see cref="FakeHomeserver"/> and a
/// <see cref="TestDatabase"/>. Stop and start again with the same DataDir and database to test restarts.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private GatewayHost(WebApplication app, string configFile, Uri baseUrl)
    {
        App = app;
        ConfigFile = configFile;
        BaseUrl = baseUrl;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public WebApplication App { get; }

    public string ConfigFile { get; }

    public Uri BaseUrl { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public PermitIssuer Issuer => Services.GetRequiredService<PermitIssuer>();

    /// <summary>Writes the config file for <paramref name="homeserver"/> and <paramref name="db"/> into
    /// <paramref name="directory"/> (DataDir is its <c>data</c> subfolder); <paramref name="edit"/> may change it.</summary>
    public static string WriteConfig(string directory, TestDatabase db, FakeHomeserver homeserver, Action<JsonObject>? edit = null)
    {
        var config = new JsonObject
        {
            ["ConnectionStrings"] = new JsonObject { ["Homegate"] = db.ConnectionString },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["Homegate"] = new JsonObject
            {
                ["DataDir"] = Path.Combine(directory, "data"),
                ["Homeserver"] = new JsonObject
                {
                    ["AdminUrl"] = homeserver.AdminUrl,
                    ["AdminPassword"] = homeserver.AdminPassword,
                    ["SignupMode"] = homeserver.SignupMode == FakeSignupMode.Open ? "Open" : "TokenRequired",
                    ["StartupTimeout"] = "00:00:02",
                },
                ["RateLimits"] = new JsonObject
                {
                    ["Policies"] = new JsonObject
                    {
                        ["signup"] = new JsonObject { ["PermitLimit"] = 100000, ["Window"] = "00:01:00" },
                    },
                },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["homeserver"] = new JsonObject
                    {
                        ["ClusterId"] = "homeserver",
                        ["Match"] = new JsonObject { ["Path"] = "{**catch-all}" },
                    },
                },
                ["Clusters"] = new JsonObject
                {
                    ["homeserver"] = new JsonObject
                    {
                        ["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "00:00:05" },
                        ["Destinations"] = new JsonObject
                        {
                            ["main"] = new JsonObject { ["Address"] = homeserver.ClientUrl },
                        },
                    },
                },
            },
        };
        edit?.Invoke(config);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "homegate.json");
        File.WriteAllText(file, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return file;
    }

    /// <summary>Starts homegate from <paramref name="configFile"/> exactly as <c>serve</c> does.</summary>
    public static async Task<GatewayHost> StartAsync(string configFile, Action<IServiceCollection>? services = null)
    {
        var app = HomegateApp.Build(new HomegateStart(configFile, ["--urls", "http://127.0.0.1:0"]), services);
        await HomegateApp.InitializeAsync(app, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, configFile, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>An issuer like the gateway's own, with any of its parts replaced: another key ring,
    /// issuer name, audience or clock (for permits the gate must refuse).</summary>
    public PermitIssuer IssuerWith(PermitKeyRing? keys = null, string? issuer = null, HomeserverIdentity? audience = null, TimeProvider? time = null) => new(
        keys ?? Services.GetRequiredService<PermitKeyRing>(),
        issuer is null ? Services.GetRequiredService<IOptions<PermitOptions>>() : Options.Create(new PermitOptions { Issuer = issuer }),
        audience ?? Services.GetRequiredService<HomeserverIdentity>(),
        time ?? TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
