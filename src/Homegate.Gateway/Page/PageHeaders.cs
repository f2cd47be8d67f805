namespace Homegate.Gateway.Page;

/// <summary>Headers of every HTML page: a strict Content-Security-Policy (scripts, styles, fetches and
/// images only from homegate itself, plus the origin of the homeserver's absolute logo; no inline script,
/// no framing; precomputed in <see cref="PageBranding"/>), no caching (pages echo request state), no referrer.</summary>
internal static class PageHeaders
{
    public static void Apply(HttpResponse response, PageBranding branding)
    {
        response.Headers.ContentSecurityPolicy = branding.ContentSecurityPolicy;
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }

    public static IResult Html(HttpContext context, PageBranding branding, string html, int status = StatusCodes.Status200OK)
    {
        Apply(context.Response, branding);
        return TypedResults.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
