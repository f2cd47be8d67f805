namespace Homegate.Gateway.Cors;

/// <summary>
/// CORS for homegate's own endpoints (<c>Homegate:Cors:AllowedOrigins</c>, default any origin, never
/// credentials, like the homeserver), so a signup page on another origin can call them. Proxied
/// requests carry no CORS metadata: the homeserver's own CORS answers pass through unchanged.
/// </summary>
internal static class CorsFeature
{
    public const string PolicyName = "homegate";
    public const string OriginsKey = "Homegate:Cors:AllowedOrigins";

    public static IServiceCollection AddHomegateCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = configuration.GetSection(OriginsKey).GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(o => o.Length > 0).ToArray();
        foreach (var origin in origins.Where(o => o != "*"))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                throw new Configuration.ConfigurationProblemException($"{OriginsKey}: '{origin}' is not an origin like https://example.com.");
            }
        }

        services.AddCors(options => options.AddPolicy(PolicyName, policy =>
        {
            if (origins.Length == 0 || origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(origins);
            }

            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Retry-After").SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
        return services;
    }
}
