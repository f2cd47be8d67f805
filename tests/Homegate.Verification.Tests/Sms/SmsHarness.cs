using System.Security.Cryptography;
using Homegate.Fakes;
using Homegate.Fakes.Prelude;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Homegate.Verification.Sms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Verification.Tests.Sms;

/// <summary>One database, one fake Prelude and one data directory (pepper) per test class.</summary>
public sealed class SmsFixture : IAsyncLifetime
{
    public TestDatabase Db { get; private set; } = null!;

    public FakePrelude Prelude { get; private set; } = null!;

    public string DataDir { get; } = Path.Join(Path.GetTempPath(), "homegate-sms-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        Prelude = await FakePrelude.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Prelude.DisposeAsync();
        await Db.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>A fresh random E.164 number, so tests sharing the database never meet.</summary>
    public static string NewPhoneNumber() => "+3069" + RandomNumberGenerator.GetInt32(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A service wired like the host wires it, with optional extra configuration.</summary>
    internal SmsHarness CreateHarness(IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Homegate:DataDir"] = DataDir,
            ["Homegate:Sms:ApiKey"] = Prelude.ApiKey,
            ["Homegate:Sms:BaseUrl"] = Prelude.BaseUrl.ToString(),
            ["Homegate:Sms:RequestTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new CapturedLogs();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(Db.DataSource);
        services.AddSingleton(new HomeserverIdentity(NewPublicKey()));
        services.AddPermits(configuration);
        services.AddSmsVerification(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new SmsHarness(provider, time, logs, Db.DataSource);
    }

    public static string NewPublicKey()
    {
        var secretKey = Ed25519Keys.NewSecretKey();
        return ZBase32.Encode(secretKey.AsSpan(Ed25519Keys.SeedBytes));
    }
}

internal sealed class SmsHarness(ServiceProvider provider, ManualTimeProvider time, CapturedLogs logs, NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public ManualTimeProvider Time { get; } = time;

    public CapturedLogs Logs { get; } = logs;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    internal SmsVerificationService Service => provider.GetRequiredService<SmsVerificationService>();

    internal IServiceProvider Services => provider;

    internal static PreludeSignals Signals { get; } = new("203.0.113.7", "homegate-tests/1.0");

    internal Task<SmsResult<SendCodeResult>> SendAsync(string phone, string? pubky = null, string? dispatchId = null)
        => Service.SendCodeAsync(new SendCodeCommand(phone, pubky, dispatchId, Signals), CancellationToken.None);

    internal Task<SmsResult<VerifyCodeResult>> VerifyAsync(string phone, string? code)
        => Service.VerifyCodeAsync(phone, code, CancellationToken.None);

    public ValueTask DisposeAsync() => provider.DisposeAsync();
}
