using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Homegate.Gateway.Homeservers;

/// <summary>
/// One readiness entry per homeserver (several homeservers): healthy while its key is known and its admin
/// API answers <c>GET /info</c>, degraded otherwise. Degraded, never unhealthy: one homeserver's admin API
/// being away stops only its own signups, so the process stays in rotation for the others.
/// </summary>
internal sealed class HomeserverHealthCheck(HomeserverRegistry registry, string name) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (registry.ByName(name) is not { } entry)
        {
            return HealthCheckResult.Degraded("not configured");
        }

        var data = new Dictionary<string, object> { ["keyKnown"] = entry.Identity.IsKnown };
        if (entry.Options.AdminUrl is null)
        {
            // Open mode with a configured key: no admin API is needed.
            return entry.Identity.IsKnown ? HealthCheckResult.Healthy("no admin API configured", data) : HealthCheckResult.Degraded("public key unknown", data: data);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await entry.Admin.GetPublicKeyAsync(timeout.Token);
            data["adminReachable"] = true;
            return entry.Identity.IsKnown
                ? HealthCheckResult.Healthy("admin API answers", data)
                : HealthCheckResult.Degraded("admin API answers; public key not learned yet", data: data);
        }
        catch (Exception e) when (e is HomeserverAdminException or OperationCanceledException)
        {
            data["adminReachable"] = false;
            return HealthCheckResult.Degraded("admin API not answering: its signups fail until it is back", data: data);
        }
    }
}

internal static class HomeserverHealthExtensions
{
    /// <summary>Adds <c>homeserver:&lt;name&gt;</c> readiness checks when there are several homeservers.</summary>
    public static IHealthChecksBuilder AddHomeserverChecks(this IHealthChecksBuilder builder, IConfiguration configuration, string tag)
    {
        if (!HomeserversConfig.IsShared(configuration))
        {
            return builder;
        }

        foreach (var child in configuration.GetSection(HomeserverOptions.SharedSection).GetChildren())
        {
            var name = child.Key;
            builder.Add(new HealthCheckRegistration("homeserver:" + name,
                provider => new HomeserverHealthCheck(provider.GetRequiredService<HomeserverRegistry>(), name),
                failureStatus: HealthStatus.Degraded, tags: [tag]));
        }

        return builder;
    }
}
