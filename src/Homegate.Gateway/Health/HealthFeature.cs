using System.Text.Json;
using Homegate.Gateway.Homeservers;
using Homegate.Gateway.Shutdown;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Homegate.Gateway.Health;

/// <summary>
/// <c>GET /healthz/live</c> (the process answers) and <c>GET /healthz/ready</c> (database, configuration,
/// Lightning watcher, SMS provider key), on the framework's health checks. Ready answers 200 when every
/// check is healthy or degraded and 503 when one is unhealthy, or at once while shutting down. Neither is
/// rate limited, CORS-enabled or proxied (a literal route outranks the proxy's catch-all).
/// </summary>
internal static class HealthFeature
{
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddHomegateHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>()
            .Bind(configuration.GetSection(HealthOptions.SectionName))
            .Validate(o => o.DatabaseTimeout > TimeSpan.Zero, $"{HealthOptions.SectionName}:DatabaseTimeout must be positive.");
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<ConfigurationHealthCheck>("configuration", tags: [ReadyTag])
            .AddCheck<LightningHealthCheck>("lightning", tags: [ReadyTag])
            .AddCheck<SmsHealthCheck>("sms", tags: [ReadyTag])
            .AddHomeserverChecks(configuration, ReadyTag);
        return services;
    }

    public static IEndpointRouteBuilder MapHomegateHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LivePath, (HttpContext context) =>
            WriteAsync(context, StatusCodes.Status200OK, "healthy", []))
            .DisableRateLimiting().ExcludeFromDescription();
        endpoints.MapGet(ReadyPath, ReadyAsync).DisableRateLimiting().ExcludeFromDescription();

        // API.md §1: /healthz/* belongs to homegate, so nothing under it reaches the homeserver.
        endpoints.Map("/healthz/{**rest}", () => Problems.HomegateProblem.Result(StatusCodes.Status404NotFound, "not-found", "Not found"))
            .DisableRateLimiting().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task ReadyAsync(HttpContext context, ShutdownState shutdown, HealthCheckService health)
    {
        if (shutdown.IsStopping)
        {
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "unhealthy",
                [("shutdown", "unhealthy", "shutting down", null)]);
            return;
        }

        var report = await health.CheckHealthAsync(r => r.Tags.Contains(ReadyTag), context.RequestAborted);
        var checks = report.Entries.Select(e => (e.Key, Name(e.Value.Status), e.Value.Description, (IReadOnlyDictionary<string, object>?)e.Value.Data)).ToList();
        var status = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        await WriteAsync(context, status, Name(report.Status), checks);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private static async Task WriteAsync(HttpContext context, int status,
        string overall, List<(string Name, string Status, string? Detail, IReadOnlyDictionary<string, object>? Data)> checks)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", overall);
        if (checks.Count > 0)
        {
            json.WriteStartObject("checks");
            foreach (var (name, state, detail, data) in checks)
            {
                json.WriteStartObject(name);
                json.WriteString("status", state);
                json.WriteString("detail", detail);
                foreach (var (key, value) in data ?? new Dictionary<string, object>())
                {
                    if (value is bool flag)
                    {
                        json.WriteBoolean(key, flag);
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
