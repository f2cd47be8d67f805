using System.Globalization;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Verification.Tests.Lightning;

/// <summary>
/// One "homegate instance" as far as Lightning goes: its own host, its own NpgsqlDataSource (so its
/// sessions, advisory lock and LISTEN connection are its own), the real watcher and listener.
/// </summary>
internal sealed class LightningInstance : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private LightningInstance(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public LightningVerificationService Service => Services.GetRequiredService<LightningVerificationService>();

    public LightningRepository Repository => Services.GetRequiredService<LightningRepository>();

    public LightningPaymentProcessor Processor => Services.GetRequiredService<LightningPaymentProcessor>();

    public LightningWatcherStatus Status => Services.GetRequiredService<LightningWatcherStatus>();

    public LightningPaymentHub Hub => Services.GetRequiredService<LightningPaymentHub>();

    public static Dictionary<string, string?> DefaultSettings(FakePhoenixd fake) => new()
    {
        ["Homegate:Lightning:BaseUrl"] = fake.BaseUrl.ToString(),
        ["Homegate:Lightning:Password"] = fake.Password,
        ["Homegate:Lightning:RequestTimeout"] = "00:00:02",
        // Long on purpose: tests prove that reconnects, not the periodic pass, recover payments.
        ["Homegate:Lightning:ReconcileInterval"] = "00:05:00",
        ["Homegate:Lightning:ReconnectDelay"] = "00:00:00.100",
        ["Homegate:Lightning:SocketKeepAlive"] = "00:00:02",
        ["Homegate:Lightning:LeaderRetryInterval"] = "00:00:00.300",
        ["Homegate:Lightning:ListenReconnectDelay"] = "00:00:00.200",
    };

    public static async Task<LightningInstance> StartAsync(
        TestDatabase db,
        FakePhoenixd fake,
        Action<Dictionary<string, string?>>? configure = null,
        TimeProvider? time = null,
        bool start = true)
    {
        var settings = DefaultSettings(fake);

        // Instances on one database share a DataDir, like a real cluster: the pepper behind signup codes.
        settings["Homegate:DataDir"] = Path.Combine(Path.GetTempPath(), "homegate-ln-tests",
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(db.ConnectionString)))[..16]);
        configure?.Invoke(settings);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter(_ => false);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(db.ConnectionString));
        AddPermits(builder.Services, builder.Configuration);
        builder.Services.AddLightningVerification(builder.Configuration);
        var host = builder.Build();
        if (start)
        {
            await host.StartAsync();
        }

        return new LightningInstance(host);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }

    public static string RandomPubky()
    {
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        return ZBase32.Encode(key);
    }

    private static void AddPermits(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new HomeserverIdentity(RandomPubky()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PermitOptions>();
        services.AddSingleton(new PermitKeyRing(PermitKey.Generate(), []));
        services.AddSingleton<PermitIssuer>();
        services.AddSingleton<PermitVerifier>();
        services.AddSignupCodes(configuration);
    }
}

/// <summary>System time shifted by an offset tests move forward (timers still run in real time).</summary>
internal sealed class ShiftedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

internal static class Eventually
{
    /// <summary>Polls a condition (test-side observation only) until true or the timeout.</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return await condition();
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout)
        => TrueAsync(() => Task.FromResult(condition()), timeout);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
