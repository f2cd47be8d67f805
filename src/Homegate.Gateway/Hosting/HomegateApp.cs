using Homegate.Gateway.Codes;
using Homegate.Gateway.Configuration;
using Homegate.Gateway.Cors;
using Homegate.Gateway.Health;
using Homegate.Gateway.Homeservers;
using Homegate.Gateway.Shutdown;
using Homegate.Gateway.Proxy;
using Homegate.Gateway.Lightning;
using Homegate.Gateway.Observability;
using Homegate.Gateway.OpenApi;
using Homegate.Gateway.Page;
using Homegate.Gateway.OwnedPaths;
using Homegate.Gateway.RateLimiting;
using Homegate.Gateway.Sms;
using Homegate.Gateway.WellKnown;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using Homegate.Verification.Observability;
using Homegate.Verification.Permits;
using Homegate.Verification.Retention;
using Homegate.Verification.Sms;
using Homegate.Verification.Storage;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Hosting;

/// <summary>How to start: the config file (null: the default lookup), host arguments (e.g. --urls),
/// and extra configuration values that win over everything (tests, the CLI).</summary>
internal sealed record HomegateStart(string? ConfigPath, string[] Args, IEnumerable<KeyValuePair<string, string?>>? Overrides = null);

/// <summary>Composes the gateway: configuration, features, middleware order, endpoints.</summary>
internal static partial class HomegateApp
{
    /// <param name="start">Where the configuration comes from.</param>
    /// <param name="customize">Last word on the services (tests replace e.g. the clock).</param>
    public static WebApplication Build(HomegateStart start, Action<IServiceCollection>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = start.Args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var file = HomegateConfiguration.ResolveFile(start.ConfigPath);
        HomegateConfiguration.Apply(builder.Configuration, file, start.Overrides, start.Args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Logging.AddHomegateLogging(builder.Configuration);

        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddSingleton(new ConfigSource(file));
        services.AddHomegateStorage(configuration);
        services.AddPermits(configuration);
        services.AddHomeserver(configuration);
        services.AddHomegateForwardedHeaders(configuration);
        services.AddHomegateRateLimiting();
        services.AddHomegateCors(configuration);
        services.AddHomegateProxy(configuration);
        services.AddHomegateOwnedPaths();
        services.AddSmsVerification(configuration);
        services.AddLightningVerification(configuration);
        services.AddHomegateOpenApi();
        services.AddHomegateMetrics();
        services.AddHomegateMetricsExport(configuration);
        services.AddHomegateHealth(configuration);
        services.AddHomegateShutdown(configuration);
        services.AddHomegateRetention(configuration);
        services.AddHomegatePage(configuration);
        customize?.Invoke(services);

        var app = builder.Build();
        app.LogStartupBannerWhenStarted();
        app.UseHomegateForwardedHeaders(configuration);
        app.UseHomeserverHosts();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ExceptionProblems.HandleAsync });
        app.UseRouting();
        app.UseHomegateOwnedPaths();
        app.UseHomeserverCorsParity();
        app.UseExceptForPassThrough(own =>
        {
            // Neither routing nor the owned-path guard reads the body, so client faults can only come
            // from here on. Plain pass-through does without: YARP catches its own body and client errors
            // (ProxyErrorMiddleware answers them), so the frame would only cost time (tests/bench/README.md).
            own.UseClientFaults();
            own.UseCors();
            own.UseRateLimiter();
        });

        // Homegate's own endpoints; the reverse proxy's catch-all route ranks below them.
        app.MapHomegateHealth();
        var own = app.MapGroup("").RequireCors(CorsFeature.PolicyName);
        own.MapPermitKeys();
        own.MapSmsVerification();
        own.MapLightningVerification();
        own.MapInviteStatus();
        own.MapHomegateOpenApi();
        app.MapHomegatePage();
        app.MapHomegateProxy();
        return app;
    }

    /// <summary>Everything that must hold before serving: migrations, the homeserver's
    /// identity, the signing key. Throws <see cref="ConfigurationProblemException"/> with a clear message.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken)
    {
        // Created now, not on the first request: the limits in force are the ones valid at start.
        _ = app.Services.GetRequiredService<RateLimitPolicies>();
        _ = app.Services.GetRequiredService<HomeserverRegistry>();
        ProxyFeature.EnsureLeaseCoversForwards(app.Services);
        var configuration = app.Configuration;
        if (configuration.GetValue("Homegate:Database:MigrateOnStart", true))
        {
            await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);
        }

        // Refuses to start with a pepper that does not match the database's (limits would reset).
        // Without SMS the check waits until SMS is enabled; a database outage then cannot block pass-through.
        if (app.Services.GetRequiredService<IOptions<SmsOptions>>().Value.IsEnabled)
        {
            await PepperGuard.EnsureAsync(app.Services, cancellationToken);
        }

        await ResolveHomeserverIdentityAsync(app.Services, cancellationToken);
        _ = app.Services.GetRequiredService<PermitKeyRing>();
    }

    /// <summary>
    /// Sets each homeserver's <see cref="HomeserverIdentity"/> (or only <paramref name="only"/>'s) from its
    /// configured PublicKey or its admin API's /info, retrying until its StartupTimeout (the homeserver may
    /// start later). With one homeserver, or one named, failing to learn it stops the start. With several,
    /// one whose admin API stays unreachable keeps being retried in the background: its own requests get
    /// 503 meanwhile and the other homeservers serve as usual.
    /// </summary>
    public static async Task ResolveHomeserverIdentityAsync(IServiceProvider services, CancellationToken cancellationToken, string? only = null)
    {
        var registry = services.GetRequiredService<HomeserverRegistry>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Homegate.Startup");
        if (only is not null || !registry.IsShared)
        {
            var entry = only is null ? registry.All[0] : registry.ByName(only)
                ?? throw new ConfigurationProblemException($"--homeserver: no homeserver named '{only}' (configured: {string.Join(", ", registry.All.Select(e => e.Name))}).");
            await ResolveOneAsync(entry, logger, cancellationToken);
            return;
        }

        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await Task.WhenAll(registry.All.Select(async entry =>
        {
            try
            {
                await ResolveOneAsync(entry, logger, cancellationToken);
            }
            catch (ConfigurationProblemException e) when (e.MayResolveLater)
            {
                LogIdentityPending(logger, entry.Name, e.Message);
                _ = KeepResolvingAsync(entry, logger, stopping);
            }
        }));
    }

    private static async Task KeepResolvingAsync(HomeserverEntry entry, ILogger logger, CancellationToken stopping)
    {
        var refusedLogged = false;
        while (!entry.Identity.IsKnown && !stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stopping);
                entry.Identity.PublicKey = await entry.Admin.GetPublicKeyAsync(stopping);
                LogIdentityResolved(logger, entry.Name);
            }
            catch (HomeserverAdminException e) when (e.PasswordRefused)
            {
                // Its admin API came up and refuses the password: say so once; a reload with the right
                // password heals it (the admin client reads the options on every call).
                if (!refusedLogged)
                {
                    LogPasswordRefused(logger, entry.Name, entry.Section);
                    refusedLogged = true;
                }
            }
            catch (HomeserverAdminException)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task ResolveOneAsync(HomeserverEntry entry, ILogger logger, CancellationToken cancellationToken)
    {
        var identity = entry.Identity;
        var options = entry.Options;
        if (identity.IsKnown)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(options.PublicKey))
        {
            identity.PublicKey = options.PublicKey.Trim();
            return;
        }

        var deadline = DateTime.UtcNow + options.StartupTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                identity.PublicKey = await entry.Admin.GetPublicKeyAsync(cancellationToken);
                return;
            }
            catch (HomeserverAdminException e) when (e.PasswordRefused)
            {
                // A wrong password is a configuration error: no retry fixes it, so the start is refused.
                throw new ConfigurationProblemException(
                    $"{NameOf(entry)} admin API at {options.AdminUrl} refused {entry.Section}:AdminPassword (401), so its public key " +
                    $"(the permit audience) cannot be learned and no signup token minted. Set {entry.Section}:AdminPassword to the homeserver's admin password.");
            }
            catch (HomeserverAdminException e) when (DateTime.UtcNow + delay < deadline)
            {
                LogIdentityRetry(logger, entry.Name, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (HomeserverAdminException e)
            {
                throw new ConfigurationProblemException(
                    $"Cannot learn {NameOf(entry).ToLowerInvariant()} public key (the permit audience) from {options.AdminUrl}/info: {e.Message} " +
                    $"Check {entry.Section}:AdminUrl and AdminPassword, or set {entry.Section}:PublicKey.",
                    mayResolveLater: true);
            }
        }
    }

    private static string NameOf(HomeserverEntry entry) =>
        entry.Name == HomeserverIdentity.DefaultName ? "The homeserver's" : $"Homeserver '{entry.Name}''s";

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Homeserver {Homeserver}: admin API not ready yet, retrying: {Reason}")]
    private static partial void LogIdentityRetry(ILogger logger, string homeserver, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Homeserver {Homeserver} starts unavailable (its signups get 503 until its key is known; retrying every 5 s): {Reason}")]
    private static partial void LogIdentityPending(ILogger logger, string homeserver, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Homeserver {Homeserver}: its admin API refuses {Section}:AdminPassword (401); its signups stay unavailable until the password is fixed")]
    private static partial void LogPasswordRefused(ILogger logger, string homeserver, string section);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Homeserver {Homeserver}: public key learned from its admin API")]
    private static partial void LogIdentityResolved(ILogger logger, string homeserver);
}

/// <summary>The configuration file in use (null when running from environment variables only).</summary>
internal sealed record ConfigSource(string? File);
