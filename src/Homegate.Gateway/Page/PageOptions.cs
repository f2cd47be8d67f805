using System.Text.RegularExpressions;

namespace Homegate.Gateway.Page;

/// <summary>The verification page (section <c>Homegate:Page</c>): where it lives, its branding, the
/// return URLs it may send people back to, and an optional replacement for its texts. No secrets.</summary>
internal sealed partial class PageOptions
{
    public const string Section = "Homegate:Page";

    /// <summary>Serve the page. Default: true when SMS or Lightning verification is enabled.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Where the page lives [<c>/join</c>]; everything under it belongs to homegate.</summary>
    public string Path { get; set; } = "/join";

    /// <summary>Page heading and browser title. Default: the text file's <c>title</c>.</summary>
    public string? Title { get; set; }

    /// <summary>Who runs this homeserver, shown in the footer. Default: not shown.</summary>
    public string? OperatorName { get; set; }

    /// <summary>A logo: a path on homegate's own origin (<c>/…</c>) or an absolute http(s) URL (then that
    /// origin is allowed in the page's Content-Security-Policy and browsers fetch from it). Default: none.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>Buttons and links, a CSS hex color <c>#rgb</c> or <c>#rrggbb</c> [<c>#2f6fed</c>].</summary>
    public string AccentColor { get; set; } = "#2f6fed";

    /// <summary>The operator's terms, linked from the footer (absolute http(s) URL or a path). Default: no link.</summary>
    public string? TermsUrl { get; set; }

    /// <summary>Allowed <c>?return_to=</c> prefixes: scheme and host (and port) must match exactly, the path
    /// must start with the prefix's path. Default: empty, so no return URL is ever followed.</summary>
    public List<string> ReturnUrls { get; set; } = [];

    /// <summary>A JSON file of page texts that replaces the built-in English ones (any subset of keys).</summary>
    public string? TextFile { get; set; }

    [GeneratedRegex("^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    private static partial Regex HexColor();

    [GeneratedRegex("^/[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")]
    private static partial Regex SimplePath();

    /// <summary>Problems, each naming its key; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (!SimplePath().IsMatch(Path ?? ""))
        {
            yield return $"{Section}:Path: '{Path}' must be a path like /join (letters, digits, '.', '_', '~', '-', no trailing slash).";
        }
        else if (IsReserved(Path!))
        {
            yield return $"{Section}:Path: '{Path}' collides with a path homegate or the homeserver uses.";
        }

        if (BrandingProblem(Section, PageBranding.AccentColorKey, AccentColor ?? "") is { } color)
        {
            yield return color;
        }

        if (LogoUrl is { Length: > 0 } logo && BrandingProblem(Section, PageBranding.LogoUrlKey, logo) is { } logoProblem)
        {
            yield return logoProblem;
        }

        if (TermsUrl is { Length: > 0 } terms && BrandingProblem(Section, PageBranding.TermsUrlKey, terms) is { } termsProblem)
        {
            yield return termsProblem;
        }

        for (var i = 0; i < ReturnUrls.Count; i++)
        {
            if (ReturnUrlPolicy.ParseAllowed(ReturnUrls[i]) is null)
            {
                yield return $"{Section}:ReturnUrls:{i}: '{ReturnUrls[i]}' must be an absolute URL with a host (e.g. https://app.example/welcome), without query or fragment.";
            }
        }

        if (TextFile is { Length: > 0 } file && !File.Exists(file))
        {
            yield return $"{Section}:TextFile: '{file}' does not exist.";
        }
    }

    /// <summary>What is wrong with a branding value (<see cref="PageBranding.Keys"/>) under <paramref name="section"/>,
    /// or null: the rules of <c>Homegate:Page</c> and of each homeserver's <c>Page</c>.</summary>
    internal static string? BrandingProblem(string section, string key, string value) => key switch
    {
        PageBranding.AccentColorKey when !HexColor().IsMatch(value) => $"{section}:{key}: '{value}' is not a hex color like #2f6fed.",
        PageBranding.LogoUrlKey or PageBranding.TermsUrlKey when !IsLinkable(value) =>
            $"{section}:{key}: '{value}' must be a path starting with / or an absolute http(s) URL.",
        _ => null,
    };

    /// <summary>An absolute http(s) URL without user info, or a same-origin path (not protocol-relative).</summary>
    internal static bool IsLinkable(string value)
    {
        if (value.StartsWith('/'))
        {
            return !value.StartsWith("//", StringComparison.Ordinal) && !value.Contains('\\', StringComparison.Ordinal);
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0;
    }

    private static bool IsReserved(string path)
    {
        string[] taken = ["/signup", "/auth", "/session", "/events", "/events-stream", "/signup_tokens", "/sms_verification",
            "/ln_verification", "/.well-known", "/healthz", "/invite", "/openapi", "/pub"];
        return taken.Any(t => path.Equals(t, StringComparison.OrdinalIgnoreCase) || path.StartsWith(t + "/", StringComparison.OrdinalIgnoreCase));
    }
}
