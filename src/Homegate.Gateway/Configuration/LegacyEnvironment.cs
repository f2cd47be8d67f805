using System.Collections;
using System.Globalization;
using Homegate.Verification.Storage;

namespace Homegate.Gateway.Configuration;

/// <summary>
/// The environment variables of the seed deployment guide, mapped onto configuration keys. Ordinary
/// <c>Homegate__…</c> variables take precedence over these.
/// </summary>
internal static class LegacyEnvironment
{
    private static readonly (string Variable, string Key)[] Direct =
    [
        ("PRELUDE_API_KEY", "Homegate:Sms:ApiKey"),
        ("PRELUDE_PROJECT_ID", "Homegate:Sms:ProjectId"),
        ("PHOENIXD_URL", "Homegate:Lightning:BaseUrl"),
        ("PHOENIXD_PASSWORD", "Homegate:Lightning:Password"),
        ("HG_MAX_SMS_VERIFICATIONS_PER_WEEK", "Homegate:Sms:MaxVerificationsPerWeek"),
        ("HG_MAX_SMS_VERIFICATIONS_PER_YEAR", "Homegate:Sms:MaxVerificationsPerYear"),
    ];

    public static Dictionary<string, string?> Map(IDictionary environment)
    {
        string? Get(string name) => environment[name] is string { Length: > 0 } value ? value : null;

        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key) in Direct)
        {
            if (Get(variable) is { } value)
            {
                result[key] = value;
            }
        }

        if (Get("DATABASE_URL") is { } url)
        {
            result["ConnectionStrings:Homegate"] = PostgresUrl.TryConvert(url, out var connectionString)
                ? connectionString
                : throw new ConfigurationProblemException("DATABASE_URL is not a postgres://user:pass@host:port/db URL.");
        }

        var host = Get("HG_HOST");
        var port = Get("HG_PORT");
        if (host is not null || port is not null)
        {
            if (port is not null && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536))
            {
                throw new ConfigurationProblemException("HG_PORT must be a TCP port number.");
            }

            var h = host ?? "0.0.0.0";
            result["urls"] = $"http://{(h.Contains(':', StringComparison.Ordinal) ? "[" + h + "]" : h)}:{port ?? "8080"}";
        }

        return result;
    }
}
