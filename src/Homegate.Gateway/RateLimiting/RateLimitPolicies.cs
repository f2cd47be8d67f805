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

    /// <summary>Binds and validates the policies; <paramref name="problems"/> names each bad key.</summary>
    public static RateLimitOptions Read(IConfiguration configuration, out List<string> problems)
    {
        var options = new RateLimitOptions();
        problems = [];
        try
        {
            configuration.GetSection(RateLimitOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"{RateLimitOptions.Section}: {e.Message}");
            return options;
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
