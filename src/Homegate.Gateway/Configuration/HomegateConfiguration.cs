namespace Homegate.Gateway.Configuration;

/// <summary>
/// Where homegate's configuration comes from, lowest precedence first: built-in defaults, the JSON
/// file (reloaded on change), the seed deployment's environment variables (<c>DATABASE_URL</c>, …),
/// ordinary environment variables (<c>Homegate__Sms__ApiKey</c>), then command-line values.
/// </summary>
internal static class HomegateConfiguration
{
    public const string DefaultFile = "config/homegate.json";

    /// <summary>Finds the config file: <c>--config PATH</c> when given (must exist), else
    /// <c>config/homegate.json</c> in the working directory or beside the executable, else none.</summary>
    public static string? ResolveFile(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            return File.Exists(full)
                ? full
                : throw new ConfigurationProblemException($"--config: the file '{full}' does not exist.");
        }

        foreach (var candidate in new[] { Path.GetFullPath(DefaultFile), Path.Combine(AppContext.BaseDirectory, DefaultFile) })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Replaces the builder's sources with homegate's layering.</summary>
    public static void Apply(IConfigurationManager configuration, string? file, IEnumerable<KeyValuePair<string, string?>>? overrides, string[] args)
    {
        var environment = Environment.GetEnvironmentVariables();
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(Defaults);
        if (file is not null)
        {
            configuration.AddJsonFile(file, optional: false, reloadOnChange: true);
        }

        configuration.AddInMemoryCollection(LegacyEnvironment.Map(environment));
        configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides);
        }

        configuration.AddCommandLine(args);
    }

    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Yarp"] = "Warning",
        ["Logging:LogLevel:Npgsql"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["AllowedHosts"] = "*",
    };
}

/// <summary>A configuration problem with a message that names the key or file; exits non-zero.</summary>
internal sealed class ConfigurationProblemException(string message, bool mayResolveLater = false) : Exception(message)
{
    /// <summary>Something outside homegate may still fix it without a restart (a homeserver that starts
    /// later); false for a mistake in the configuration itself.</summary>
    public bool MayResolveLater { get; } = mayResolveLater;
}
