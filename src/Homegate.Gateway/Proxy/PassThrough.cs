using Homegate.Gateway.SignupGate;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Yarp.ReverseProxy.Model;

namespace Homegate.Gateway.Proxy;

/// <summary>
/// Plain pass-through: a request routed to a YARP route that carries no CORS and no rate-limit metadata,
/// to a path that is not a signup in any spelling. For such a request the CORS middleware and the rate
/// limiter only cost time (the CORS middleware resolves its policy provider from a request scope it has
/// to create, and marks the request in <c>Items</c>; the global limiter leases from a no-op partition),
/// so they are skipped. Everything else takes them as before: homegate's own endpoints (their CORS policy
/// and named limits), signups (the global signup limiter), unmatched requests, and a route an operator
/// gave its own <c>CorsPolicy</c> or <c>RateLimiterPolicy</c>. Nothing registers a default CORS policy, so
/// a skipped request would have had no CORS headers either. See tests/bench/README.md for the numbers.
/// </summary>
internal static class PassThrough
{
    public static bool IsPlainPassThrough(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        return metadata is not null
            && metadata.GetMetadata<RouteModel>() is not null
            && metadata.GetMetadata<ICorsMetadata>() is null
            && metadata.GetMetadata<EnableRateLimitingAttribute>() is null
            && SignupPaths.Classify(context) == SignupEndpoint.None;
    }

    /// <summary>Runs <paramref name="configure"/>'s middleware for every request except plain pass-through.</summary>
    public static IApplicationBuilder UseExceptForPassThrough(this IApplicationBuilder app, Action<IApplicationBuilder> configure) =>
        app.UseWhen(context => !IsPlainPassThrough(context), configure);
}
