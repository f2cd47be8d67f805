using Homegate.Gateway.OwnedPaths;
using Homegate.Gateway.Problems;
using Homegate.Gateway.SignupGate;
using Homegate.Verification.Homeserver;

namespace Homegate.Gateway.Homeservers;

/// <summary>
/// With several homeservers: ties each request to the homeserver whose <c>Hosts</c> contain the request's
/// host (after trusted forwarded headers), once, with one dictionary lookup. The homeserver becomes the
/// request's <see cref="HomeserverIdentity.Current"/> (permits, codes, limits, metrics) and a
/// <see cref="HomeserverEntry"/> feature (gate, routes); logs carry its name (<c>HomeserverScopeProvider</c>). A host nobody claims gets
/// 404 <c>unknown-host</c> and nothing is forwarded; <c>/healthz/*</c> and <c>/.well-known/homegate/*</c>
/// answer on any host. Not installed for the one-homeserver shorthand (which answers on any host).
/// </summary>
internal sealed class HomeserverHostMiddleware(HomeserverRegistry registry)
{
    // Normalised once; the common spelling of a path is then tested without normalising it per request.
    private static readonly OwnedPrefixSet AnyHostPrefixes = new(["/healthz", "/.well-known/homegate"]);
    private static readonly OwnedPrefixSet SmsPrefixes = new(["/sms_verification"]);
    private static readonly OwnedPrefixSet LightningPrefixes = new(["/ln_verification"]);

    /// <summary>Not async: a request of a known host that may go on costs one lookup, one feature and one
    /// async-local (its homeserver, which also labels its logs: <c>HomeserverScopeProvider</c>), then
    /// <paramref name="next"/> directly.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var entry = registry.ForHost(context.Request.Host.Host);
        if (entry is null)
        {
            return AnyHostPrefixes.IsOwned(context.Request.Path.Value ?? "/")
                ? next(context)
                : HomegateProblem.WriteAsync(context, StatusCodes.Status404NotFound, "unknown-host", "Unknown host",
                    "No homeserver is served at this host name.");
        }

        context.Features.Set(entry);
        HomeserverIdentity.Enter(entry.Identity);
        if (!entry.Identity.IsKnown && NeedsIdentity(context.Request.Path.Value))
        {
            // Its admin API has not told us its key yet: nothing can be issued or admitted for it.
            return HomegateProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "homeserver-unavailable", "Homeserver unavailable",
                "This homeserver's admin API has not been reachable since homegate started; try again shortly.", TimeSpan.FromSeconds(5));
        }

        if (!Offered(entry, context.Request.Path.Value))
        {
            return HomegateProblem.WriteAsync(context, StatusCodes.Status404NotFound, "not-found", "Not found",
                "This verification is not offered for this homeserver.");
        }

        return next(context);
    }

    /// <summary>False for the endpoints of a verification its <c>Verifications</c> leave out.</summary>
    private static bool Offered(HomeserverEntry entry, string? path)
    {
        if (entry.Options.Verifications is null)
        {
            return true;
        }

        path ??= "/";
        return !(!entry.Offers(HomeserversConfig.SmsVerification) && SmsPrefixes.IsOwned(path))
            && !(!entry.Offers(HomeserversConfig.LightningVerification) && LightningPrefixes.IsOwned(path));
    }

    private static bool NeedsIdentity(string? path) =>
        SignupPaths.Classify(path) != SignupEndpoint.None || SmsPrefixes.IsOwned(path ?? "/") || LightningPrefixes.IsOwned(path ?? "/");
}

internal static class HomeserverHostExtensions
{
    /// <summary>Goes right after the forwarded headers, before routing (host-matched proxy routes need the host).</summary>
    public static IApplicationBuilder UseHomeserverHosts(this IApplicationBuilder app)
    {
        if (!HomeserversConfig.IsShared(app.ApplicationServices.GetRequiredService<IConfiguration>()))
        {
            return app;
        }

        var registry = app.ApplicationServices.GetRequiredService<HomeserverRegistry>();

        var middleware = ActivatorUtilities.CreateInstance<HomeserverHostMiddleware>(app.ApplicationServices, registry);
        return app.Use(next => context => middleware.InvokeAsync(context, next));
    }
}
