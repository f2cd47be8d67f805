using Homegate.Verification.Sms;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Health;

/// <summary>When SMS is enabled, a Prelude API key is configured (its value is never reported).</summary>
internal sealed class SmsHealthCheck(IOptionsMonitor<SmsOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var result = !current.IsEnabled ? HealthCheckResult.Healthy("disabled")
            : string.IsNullOrWhiteSpace(current.ApiKey) ? HealthCheckResult.Unhealthy("enabled but the Prelude API key is missing")
            : HealthCheckResult.Healthy("Prelude API key present");
        return Task.FromResult(result);
    }
}
