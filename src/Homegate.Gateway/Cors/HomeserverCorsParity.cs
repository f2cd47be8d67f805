using Homegate.Gateway.Problems;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Model;

namespace Homegate.Gateway.Cors;

/// <summary>
/// Browser parity on the homeserver's paths. The homeserver answers every request that has an
/// <c>Origin</c> with CORS headers that echo it and allow credentials (tower-http's "very permissive"
/// layer), and the Pubky web SDK fetches with <c>credentials: "include"</c>. An answer homegate writes
/// itself on such a path (a gate refusal, 429, 502/503/504) would otherwise be unreadable to that
/// browser: a network error instead of the problem+json. This adds the same headers to exactly those
/// answers (marked by <see cref="HomegateProblem"/>); what the homeserver sends passes through untouched.
/// </summary>
internal static class HomeserverCorsParity
{
    private const string VaryValues = "origin, access-control-request-method, access-control-request-headers";

    /// <summary>Runs after routing (to know the request goes to the homeserver) and outside the rate
    /// limiter, the gate and the error handlers, whose answers it decorates when they start.</summary>
    public static IApplicationBuilder UseHomeserverCorsParity(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Headers.Origin is { Count: 1 } origin && !StringValues.IsNullOrEmpty(origin)
            && context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>() is not null)
        {
            context.Response.OnStarting(static state => Decorate((HttpContext)state), context);
        }

        return next(context);
    });

    private static Task Decorate(HttpContext context)
    {
        var response = context.Response;
        if (!context.Items.ContainsKey(HomegateProblem.ProducedByHomegate) || response.Headers.ContainsKey("Access-Control-Allow-Origin"))
        {
            return Task.CompletedTask;
        }

        var request = context.Request;
        response.Headers.AccessControlAllowOrigin = request.Headers.Origin;
        response.Headers.AccessControlAllowCredentials = "true";
        response.Headers.AccessControlExposeHeaders = "Retry-After";
        response.Headers.Append("Vary", VaryValues);
        if (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            response.Headers.AccessControlAllowMethods = request.Headers.AccessControlRequestMethod;
            response.Headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders;
        }

        return Task.CompletedTask;
    }
}
