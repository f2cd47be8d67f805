using System.Net;
using System.Threading.RateLimiting;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Lightning;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Gateway.Tests.Lightning;

/// <summary>
/// A small local host with just what the Lightning endpoints need: NpgsqlDataSource, permits,
/// AddLightningVerification, a per-IP rate limiter with the two policies, MapLightningVerification.
/// Stands in for the real gateway host until it lands.
/// </summary>
internal sealed class LightningTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LightningTestHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LightningTestHost> StartAsync(TestDatabase db, FakePhoenixd? fake, Action<Dictionary<string, string?>>? configure = null, int createLimit = 1000, int readLimit = 1000)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Homegate:Lightning:RequestTimeout"] = "00:00:01",
            ["Homegate:Lightning:ReconnectDelay"] = "00:00:00.100",
            ["Homegate:Lightning:LeaderRetryInterval"] = "00:00:00.300",
        };
        if (fake is not null)
        {
            settings["Homegate:Lightning:BaseUrl"] = fake.BaseUrl.ToString();
            settings["Homegate:Lightning:Password"] = fake.Password;
        }

        // The pepper behind signup codes lives in DataDir: one per database, like one deployment.
        settings["Homegate:DataDir"] = Path.Combine(Path.GetTempPath(), "homegate-ln-tests",
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(db.ConnectionString)))[..16]);
        configure?.Invoke(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(db.ConnectionString));
        AddPermits(builder.Services);
        builder.Services.AddSignupCodes(builder.Configuration);
        builder.Services.AddLightningVerification(builder.Configuration);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy("ln-create", context => FixedWindow(context, createLimit));
            options.AddPolicy("ln-read", context => FixedWindow(context, readLimit));
        });
        var app = builder.Build();
        app.UseRateLimiter();
        app.MapLightningVerification();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        return new LightningTestHost(app, client);
    }

    public static string RandomPubky()
    {
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        return ZBase32.Encode(key);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static RateLimitPartition<string> FixedWindow(HttpContext context, int limit)
        => RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    private static void AddPermits(IServiceCollection services)
    {
        services.AddSingleton(new HomeserverIdentity(RandomPubky()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PermitOptions>();
        services.AddSingleton(new PermitKeyRing(PermitKey.Generate(), []));
        services.AddSingleton<PermitIssuer>();
        services.AddSingleton<PermitVerifier>();
    }
}
