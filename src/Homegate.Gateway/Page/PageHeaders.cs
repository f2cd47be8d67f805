namespace Homegate.Gateway.Page;

/// <summary>Headers of every HTML page: a strict Content-Security-Policy (scripts, styles, fetches and
/// images only from homegate itself, no inline script, no framing), no caching (pages echo request
/// state), no referrer.</summary>
internal static class PageHeaders
{
    public static void Apply(HttpResponse response, PageOptions options)
    {
        var images = "'self' blob:";
        if (options.LogoUrl is { Length: > 0 } logo && Uri.TryCreate(logo, UriKind.Absolute, out var uri))
        {
            images += " " + uri.GetLeftPart(UriPartial.Authority);
        }

        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; " +
            "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }

    public static IResult Html(HttpContext context, PageOptions options, string html, int status = StatusCodes.Status200OK)
    {
        Apply(context.Response, options);
        return TypedResults.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
