using Homegate.Gateway.Cli;
using Homegate.Gateway.OpenApi;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Homegate.Gateway.Observability;

/// <summary>
/// One Information entry (category <c>Homegate.Startup</c>, event <see cref="EventId"/> <c>StartupBanner</c>)
/// once the server listens: the <c>check-config</c> summary with the bound addresses and the resolved
/// homeserver key. Secrets appear only as "set" / "not set".
/// </summary>
internal static partial class StartupBanner
{
    public const int EventId = 10;
    public const string Category = "Homegate.Startup";

    /// <summary>Logs the banner when the host has started (never for <c>check-config</c>, which does not start it).</summary>
    public static WebApplication LogStartupBannerWhenStarted(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() => Log(app.Services, app.Configuration));
        return app;
    }

    internal static void Log(IServiceProvider services, IConfiguration configuration)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        try
        {
            var lines = ConfigSummary.Lines(services, configuration, addresses is { Count: > 0 } ? addresses : null);
            var summary = string.Join('\n', lines.Select(l => "  " + l));
            LogBanner(logger, OpenApiFeature.Version, summary);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // The server already runs with this configuration; a summary that cannot be built must not stop it.
            LogBannerFailed(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(EventId = EventId, EventName = "StartupBanner", Level = LogLevel.Information, Message = "homegate {Version} started\n{Summary}")]
    private static partial void LogBanner(ILogger logger, string version, string summary);

    [LoggerMessage(EventId = EventId + 1, Level = LogLevel.Warning, Message = "homegate started; the configuration summary could not be built ({Error})")]
    private static partial void LogBannerFailed(ILogger logger, string error);
}
