using System.Runtime.CompilerServices;
using Homegate.Gateway.Homeservers;
using Homegate.Verification.Homeserver;

namespace Homegate.Gateway.Page;

/// <summary>
/// How one homeserver's page looks: title, operator, logo, accent color and terms link, with the
/// Content-Security-Policy that goes with its logo. Resolved once (at start for <c>Homegate:Page</c>, once
/// per homeserver options instance for <c>Homegate:Homeservers:&lt;name&gt;:Page</c>), never per request.
/// </summary>
internal sealed class PageBranding
{
    public const string TitleKey = "Title";
    public const string OperatorNameKey = "OperatorName";
    public const string LogoUrlKey = "LogoUrl";
    public const string AccentColorKey = "AccentColor";
    public const string TermsUrlKey = "TermsUrl";

    /// <summary>The keys a homeserver's <c>Page</c> section may set.</summary>
    public static readonly string[] Keys = [TitleKey, OperatorNameKey, LogoUrlKey, AccentColorKey, TermsUrlKey];

    private PageBranding(string? title, string? operatorName, string? logoUrl, string accentColor, string? termsUrl)
    {
        Title = title;
        OperatorName = operatorName;
        LogoUrl = logoUrl;
        AccentColor = accentColor;
        TermsUrl = termsUrl;
        var images = "'self' blob:";
        // Only an absolute http(s) URL adds an origin: on Unix "/logo.png" parses as an absolute file:// URI.
        if (logoUrl is { Length: > 0 } logo && !logo.StartsWith('/') && Uri.TryCreate(logo, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https")
        {
            images += " " + uri.GetLeftPart(UriPartial.Authority);
        }

        ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; " +
            "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
    }

    public string? Title { get; }

    public string? OperatorName { get; }

    public string? LogoUrl { get; }

    public string AccentColor { get; }

    public string? TermsUrl { get; }

    /// <summary>The page's policy: only homegate itself, plus an absolute logo's origin in <c>img-src</c>.</summary>
    public string ContentSecurityPolicy { get; }

    /// <summary>The homegate-wide branding of <c>Homegate:Page</c>.</summary>
    public static PageBranding From(PageOptions options) =>
        new(options.Title, options.OperatorName, options.LogoUrl, options.AccentColor, options.TermsUrl);

    /// <summary>A homeserver's own values over <paramref name="fallback"/>; an unset or empty value falls back.</summary>
    public static PageBranding Merge(PageOptions fallback, IReadOnlyDictionary<string, string> own)
    {
        var values = new Dictionary<string, string>(own, StringComparer.OrdinalIgnoreCase);
        string? Pick(string key, string? otherwise) => values.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : otherwise;
        return new(Pick(TitleKey, fallback.Title), Pick(OperatorNameKey, fallback.OperatorName), Pick(LogoUrlKey, fallback.LogoUrl),
            Pick(AccentColorKey, fallback.AccentColor)!, Pick(TermsUrlKey, fallback.TermsUrl));
    }

    /// <summary>Problems of a homeserver's <c>Page</c> section, each naming <c>{section}:{Key}</c>: the rules of
    /// <c>Homegate:Page</c>, and no key outside <see cref="Keys"/> (a typo must not go unnoticed). Read from the
    /// configuration itself, so a nested section (which binding would drop) is reported too.</summary>
    public static IEnumerable<string> Validate(string section, IConfigurationSection page)
    {
        foreach (var child in page.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var key = Keys.FirstOrDefault(k => k.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            var value = child.Value?.Trim() ?? "";
            if (key is null)
            {
                yield return $"{section}:{child.Key} is not a page setting; use {string.Join(", ", Keys)}.";
            }
            else if (child.Value is null && child.GetChildren().Any())
            {
                yield return $"{section}:{key} must be a single value.";
            }
            else if (value.Length > 0 && PageOptions.BrandingProblem(section, key, value) is { } problem)
            {
                yield return problem;
            }
        }
    }
}

/// <summary>The branding of the request's homeserver: its own <c>Page</c> values over <c>Homegate:Page</c>,
/// merged once per homeserver options instance (a reload brings a new instance, so a new merge).</summary>
internal sealed class PageBrandings(PageOptions options)
{
    private readonly ConditionalWeakTable<HomeserverOptions, PageBranding> _merged = new();

    /// <summary><c>Homegate:Page</c> alone: the one-homeserver shorthand, and homeservers without a <c>Page</c>.</summary>
    public PageBranding Default { get; } = PageBranding.From(options);

    public PageBranding For(HttpContext context) =>
        context.Features.Get<HomeserverEntry>() is { } entry ? For(entry.Options) : Default;

    public PageBranding For(HomeserverOptions homeserver) =>
        homeserver.Page is not { Count: > 0 } ? Default : _merged.GetValue(homeserver, o => PageBranding.Merge(options, o.Page));
}
