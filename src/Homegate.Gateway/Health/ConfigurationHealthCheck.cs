using Homegate.Gateway.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Homegate.Gateway.Health;

/// <summary>
/// The configuration as it is now on disk is valid. When an edit was rejected, the last good settings
/// keep serving, so this reports degraded (still ready) and names the problem keys; never values of secrets.
/// </summary>
internal sealed class ConfigurationHealthCheck(IConfiguration configuration) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        _ = RateLimitPolicies.Read(configuration, out var problems);
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("loaded")
            : HealthCheckResult.Degraded("the last change was rejected, the previous settings stay in force: " + string.Join(" ", problems)));
    }
}
