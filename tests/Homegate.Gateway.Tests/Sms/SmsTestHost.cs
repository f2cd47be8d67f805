using System.Net;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Homegate.Fakes;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Sms;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Homegate.Verification.Sms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// A small stand-in for the gateway host: Kestrel on 127.0.0.1:0 with the SMS feature, a real
/// NpgsqlDataSource, per-IP rate limits for the three SMS policies and MapSmsVerification.
/// </summary>
internal sealed class SmsTestHost : IAsyncDisposable
{
    private static readonly string[] Policies = ["sms-send", "sms-verify", "sms-status"];

    private readonly WebApplication _app;

    private SmsTestHost(WebApplication app, CapturedLogs logs, HttpClient client)
    {
        _app = app;
        Logs = logs;
        Client = client;
    }

    public CapturedLogs Logs { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SmsTestHost> StartAsync(TestDatabase db, FakePrelude prelude, string dataDir, IDictionary<string, string?>? settings = null, int perPolicyLimit = 10_000, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var values = new Dictionary<string, string?>
        {
            ["Homegate:DataDir"] = dataDir,
            ["Homegate:Sms:ApiKey"] = prelude.ApiKey,
            ["Homegate:Sms:BaseUrl"] = prelude.BaseUrl.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);

        // What the real host must do too: the request line (path and query) carries the number on
        // /status/{phoneNumber} (and permits in ?signup_token=), so hosting's request logs stay off,
        // and ASP.NET Core's debug logs (routing prints the path) stay below the configured level.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddSingleton(new HomeserverIdentity(NewPublicKey()));
        builder.Services.AddPermits(builder.Configuration);
        services?.Invoke(builder.Services);
        builder.Services.AddSmsVerification(builder.Configuration);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            foreach (var policy in Policies)
            {
                options.AddPolicy(policy, context => RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perPolicyLimit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            }
        });

        var app = builder.Build();
        app.UseRateLimiter();
        app.MapSmsVerification();
        await PepperGuard.EnsureAsync(app.Services);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("sms-endpoint-tests/1.0");
        return new SmsTestHost(app, logs, client);
    }

    public static string NewPublicKey()
    {
        var secretKey = Ed25519Keys.NewSecretKey();
        return ZBase32.Encode(secretKey.AsSpan(Ed25519Keys.SeedBytes));
    }

    public static string NewPhoneNumber()
        => "+3069" + RandomNumberGenerator.GetInt32(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
