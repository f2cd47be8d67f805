using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Homegate.Gateway.RateLimiting;

/// <summary>
/// The rate-limit policies in force. Re-read whenever the configuration reloads; an invalid change is
/// logged and ignored, so the last good limits keep applying.
/// </summary>
internal sealed partial class RateLimitPolicies : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger<RateLimitPolicies> _logger;
    private readonly IDisposable _subscription;
    private volatile RateLimitOptions _current;

    public RateLimitPolicies(IConfiguration configuration, ILogger<RateLimitPolicies> logger)
    {
        _configuration = configuration;
        _logger = logger;
        _current = Read(configuration, out var problems);
        if (problems.Count > 0)
        {
            throw new Configuration.ConfigurationProblemException(string.Join(Environment.NewLine, problems));
        }

        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    public RateLimitPolicyOptions Get(string policy) => _current.Get(policy);

    /// <summary>Reads and validates the policies; <paramref name="problems"/> names each bad key. Values
    /// are parsed strictly (the configuration binder would silently keep a default for "many").</summary>
    public static RateLimitOptions Read(IConfiguration configuration, out List<string> problems)
    {
        var options = new RateLimitOptions();
        problems = [];
        foreach (var policy in configuration.GetSection(RateLimitOptions.Section + ":Policies").GetChildren())
        {
            var key = $"{RateLimitOptions.Section}:Policies:{policy.Key}";
            var fallback = RateLimitOptions.Defaults.TryGetValue(policy.Key, out var d) ? d : new RateLimitPolicyOptions();
            var parsed = new RateLimitPolicyOptions { PermitLimit = fallback.PermitLimit, Window = fallback.Window };
            if (policy["PermitLimit"] is { } limit)
            {
                if (int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                {
                    parsed.PermitLimit = value;
                }
                else
                {
                    problems.Add($"{key}:PermitLimit: '{limit}' is not a whole number.");
                }
            }

            if (policy["Window"] is { } window)
            {
                if (TimeSpan.TryParse(window, CultureInfo.InvariantCulture, out var value))
                {
                    parsed.Window = value;
                }
                else
                {
                    problems.Add($"{key}:Window: '{window}' is not a duration like 00:01:00.");
                }
            }

            options.Policies[policy.Key] = parsed;
        }

        problems.AddRange(options.Validate());
        return options;
    }

    private void Reload()
    {
        var next = Read(_configuration, out var problems);
        if (problems.Count > 0)
        {
            LogRejected(string.Join(" ", problems));
            return;
        }

        _current = next;
        LogReloaded();
    }

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Rate-limit policies reloaded")]
    private partial void LogReloaded();

    [LoggerMessage(EventId = 401, Level = LogLevel.Error, Message = "Rate-limit configuration change rejected, the previous limits stay in force: {Problems}")]
    private partial void LogRejected(string problems);
}
