using Homegate.Gateway.Configuration;
using Homegate.Gateway.OwnedPaths;
using Homegate.Gateway.Problems;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using Homegate.Verification.Sms;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Page;

/// <summary>
/// The verification page (docs/page.md): <c>GET /join</c> (path
/// <c>Homegate:Page:Path</c>) with the SMS and Lightning flows, its hashed static assets and QR images
/// under the same prefix, and the invitation landing <c>GET /invite/{code}</c>. Everything under both
/// prefixes is answered by homegate (404/405 problem+json for what it does not serve), never forwarded.
/// </summary>
internal static class PageFeature
{
    public const string InvitePrefix = "/invite";
    public const string RatePolicy = "page";
    private static readonly string Invite = InvitePrefix;
    private static readonly string CodeSegment = "/{code}";
    private static readonly string RestSegment = "/{**rest}";

    public static IServiceCollection AddHomegatePage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(PageOptions.Section).Get<PageOptions>() ?? new PageOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ConfigurationProblemException(string.Join(Environment.NewLine, problems));
        }

        services.AddSingleton(options);
        services.AddSingleton(new PageBrandings(options));
        services.AddSingleton(PageText.Load(options.TextFile));
        services.AddSingleton<PageAssets>();
        services.AddSingleton<PageRenderer>();
        services.AddSingleton(new ReturnUrlPolicy(options.ReturnUrls));

        // Odd spellings (//join/x, %2F…) that routing hands to the proxy are answered here too.
        services.AddOwnedPathPrefix(options.Path);
        services.AddOwnedPathPrefix(InvitePrefix);
        return services;
    }

    /// <summary>Whether <c>/join</c> is served: <c>Homegate:Page:Enabled</c>, else whether SMS or Lightning is on.</summary>
    internal static bool IsEnabled(IServiceProvider services)
    {
        var options = services.GetRequiredService<PageOptions>();
        return options.Enabled ?? (services.GetRequiredService<IOptionsMonitor<SmsOptions>>().CurrentValue.IsEnabled
            || services.GetRequiredService<IOptionsMonitor<LightningOptions>>().CurrentValue.IsEnabled);
    }

    public static IEndpointRouteBuilder MapHomegatePage(this IEndpointRouteBuilder app)
    {
        var path = app.ServiceProvider.GetRequiredService<PageOptions>().Path;
        var page = app.MapGroup(path).ExcludeFromDescription().RequireRateLimiting(RatePolicy);
        page.MapGet("", JoinPage.RenderAsync);
        page.MapGet("/assets/{name}", ServeAsset);
        page.MapGet("/qr/ln/{verificationId}", QrImages.InvoiceAsync);
        page.MapPost("/qr/ring", QrImages.RingAsync);
        page.MapMethods("", [HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Options], MethodNotAllowed);
        page.Map(RestSegment, NotFound);

        // Patterns built at run time: the route analyzer ignores group prefixes and would take the
        // invite catch-all for a duplicate of the page's. "/{code}" outranks "/{**rest}" in routing.
        var invite = app.MapGroup(Invite).ExcludeFromDescription().RequireRateLimiting(RatePolicy);
        invite.MapGet(CodeSegment, InvitePage.RenderAsync);
        invite.Map(RestSegment, NotFound);
        return app;
    }

    /// <summary>The <see cref="PageContext"/> for this request: the branding and key of its homeserver
    /// (with several homeservers, the one of the request's host).</summary>
    internal static PageContext Context(HttpContext context)
    {
        var services = context.RequestServices;
        var identity = services.GetRequiredService<HomeserverIdentity>().Current;
        return new(
            services.GetRequiredService<PageBrandings>().For(context),
            services.GetRequiredService<PageText>(),
            services.GetRequiredService<PageOptions>().Path,
            identity.IsKnown ? identity.PublicKey : "");
    }

    private static IResult ServeAsset(string name, HttpContext context, PageAssets assets)
    {
        if (assets.Find(name) is not { } asset)
        {
            return NotFound();
        }

        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    internal static IResult NotFound() =>
        HomegateProblem.Result(StatusCodes.Status404NotFound, "not-found", "Not found", "Nothing is served at this address.");

    private static IResult MethodNotAllowed(HttpContext context)
    {
        context.Response.Headers.Allow = "GET";
        return HomegateProblem.Result(StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "Method not allowed", "This address only answers GET.");
    }
}
