using Homegate.Gateway.Configuration;

namespace Homegate.Gateway.Observability;

/// <summary>
/// Console log format and the privacy floor. <c>Homegate:Logging:Format</c> (or the environment variable
/// <c>HOMEGATE_LOG_FORMAT</c>, which wins) is <c>simple</c> [default] or <c>json</c> (one JSON object per
/// line, UTC timestamps). Either format prints one scope, the request's homeserver with several homeservers
/// (<see cref="HomeserverScopeProvider"/>: no other scope ever reaches a log). The categories in <see cref="PrivacyCategories"/> log request URLs,
/// which carry phone numbers and permits: they stay at Warning even when <c>Logging:LogLevel:Default</c>
/// (or a provider's Default) is lower, unless the operator names the category itself.
/// </summary>
internal static class HomegateLogging
{
    public const string FormatKey = "Homegate:Logging:Format";
    public const string FormatVariable = "HOMEGATE_LOG_FORMAT";

    /// <summary>Categories capped at Warning unless configured by name (e.g. <c>Logging:LogLevel:Yarp</c>).</summary>
    public static readonly IReadOnlyList<string> PrivacyCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing",
        "Yarp",
    ];

    public static ILoggingBuilder AddHomegateLogging(this ILoggingBuilder logging, IConfiguration configuration)
    {
        if (IsJson(configuration))
        {
            logging.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                options.IncludeScopes = true; // only the homeserver's name: HomeserverScopeProvider
            });
        }

        else
        {
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(options => options.IncludeScopes = true);
        }

        // The logger factory takes its scopes from here (its constructor asks for an IExternalScopeProvider).
        logging.Services.AddSingleton<IExternalScopeProvider, HomeserverScopeProvider>();
        logging.Services.PostConfigure<LoggerFilterOptions>(CapPrivacyCategories);
        return logging;
    }

    /// <summary>True for <c>json</c>, false for <c>simple</c> or nothing; anything else is a configuration problem.</summary>
    public static bool IsJson(IConfiguration configuration)
    {
        var variable = configuration[FormatVariable];
        var (key, value) = string.IsNullOrWhiteSpace(variable) ? (FormatKey, configuration[FormatKey]) : (FormatVariable, variable);
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "simple" => false,
            "json" => true,
            _ => throw new ConfigurationProblemException($"{key}: '{value}' is not a log format; use simple or json."),
        };
    }

    /// <summary>
    /// Adds a Warning rule for each privacy category that no rule names exactly, for every provider that has
    /// rules of its own (a provider's rules beat general ones, so <c>Logging:Console:LogLevel:Default</c> would
    /// otherwise lift the cap). A rule naming the category keeps the operator's level; for providers
    /// without their own rule for it, the general rule's level is copied.
    /// </summary>
    internal static void CapPrivacyCategories(LoggerFilterOptions options)
    {
        var providers = options.Rules.Select(r => r.ProviderName).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var category in PrivacyCategories)
        {
            var general = options.Rules.LastOrDefault(r => r.ProviderName is null && Names(r, category));
            var level = general?.LogLevel ?? LogLevel.Warning;
            if (general is null)
            {
                options.Rules.Add(new LoggerFilterRule(null, category, LogLevel.Warning, null));
            }

            foreach (var provider in providers)
            {
                if (!options.Rules.Any(r => string.Equals(r.ProviderName, provider, StringComparison.OrdinalIgnoreCase) && Names(r, category)))
                {
                    options.Rules.Add(new LoggerFilterRule(provider, category, level, null));
                }
            }
        }
    }

    private static bool Names(LoggerFilterRule rule, string category)
        => string.Equals(rule.CategoryName, category, StringComparison.OrdinalIgnoreCase);
}
