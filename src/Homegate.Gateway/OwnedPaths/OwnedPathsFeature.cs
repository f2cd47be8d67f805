using Microsoft.Extensions.Options;

namespace Homegate.Gateway.OwnedPaths;

/// <summary>
/// Keeps homegate's own URL space away from the homeserver (API.md §1). A request under an owned
/// prefix that no homegate endpoint took (routing fell through to the proxy's catch-all: another
/// method, another content type, an unknown sub-path, an odd spelling) is answered here with 404,
/// 405 or 415 problem+json and never reaches the proxy.
/// </summary>
internal static class OwnedPathsFeature
{
    /// <summary>The prefixes homegate owns from the start; features add theirs.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = ["/sms_verification", "/ln_verification", "/.well-known/homegate", "/healthz"];

    public static IServiceCollection AddHomegateOwnedPaths(this IServiceCollection services)
    {
        foreach (var prefix in BuiltIn)
        {
            services.AddOwnedPathPrefix(prefix);
        }

        services.AddSingleton<OwnedPathGuard>();
        return services;
    }

    /// <summary>Declares <paramref name="prefix"/> (e.g. <c>/join</c>) homegate's own: never forwarded.</summary>
    public static IServiceCollection AddOwnedPathPrefix(this IServiceCollection services, string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        services.Configure<OwnedPathOptions>(o => o.Prefixes.Add(prefix));
        return services;
    }

    /// <summary>Goes right after <c>UseRouting</c>: it needs the endpoint routing chose.</summary>
    public static IApplicationBuilder UseHomegateOwnedPaths(this IApplicationBuilder app)
    {
        var guard = app.ApplicationServices.GetRequiredService<OwnedPathGuard>();
        return app.Use(next => context => guard.InvokeAsync(context, next));
    }

    internal static IOptions<OwnedPathOptions> Options(IServiceProvider services) => services.GetRequiredService<IOptions<OwnedPathOptions>>();
}
