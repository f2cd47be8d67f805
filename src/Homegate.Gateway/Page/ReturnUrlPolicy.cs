namespace Homegate.Gateway.Page;

/// <summary>
/// The <c>?return_to=</c> allow-list (<c>Homegate:Page:ReturnUrls</c>). Both sides are parsed, never
/// compared as text: scheme, host and port must be equal, the candidate's path must start with the
/// allowed path on a segment boundary (<c>/welcome</c> allows <c>/welcome</c> and <c>/welcome/x</c>, not
/// <c>/welcomex</c>), and a candidate with user info is refused. A refused URL is never followed.
/// </summary>
internal sealed class ReturnUrlPolicy(IEnumerable<string> allowed)
{
    private readonly Uri[] _allowed = [.. allowed.Select(ParseAllowed).OfType<Uri>()];

    /// <summary>The decision for a request's <c>return_to</c>.</summary>
    internal readonly record struct Decision(bool Present, Uri? Allowed, string? RefusedHost);

    /// <summary>An allow-list entry, or null when it is not an absolute URL with a host and no query or fragment.</summary>
    public static Uri? ParseAllowed(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
        {
            return null;
        }

        if (string.IsNullOrEmpty(uri.Host) || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.Scheme is "javascript" or "data" or "vbscript" or "file" or "blob")
        {
            return null;
        }

        return uri;
    }

    public Decision Decide(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate))
        {
            return new(false, null, null);
        }

        if (candidate.Length > 2048 || !Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return new(true, null, null);
        }

        return Matches(uri) ? new(true, WithoutFragment(uri), null) : new(true, null, uri.Host);
    }

    private bool Matches(Uri candidate)
    {
        if (candidate.UserInfo.Length > 0)
        {
            return false;
        }

        foreach (var allowed in _allowed)
        {
            if (!string.Equals(allowed.Scheme, candidate.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(allowed.IdnHost, candidate.IdnHost, StringComparison.OrdinalIgnoreCase)
                || allowed.Port != candidate.Port)
            {
                continue;
            }

            var prefix = allowed.AbsolutePath;
            var path = candidate.AbsolutePath;
            if (path.Equals(prefix, StringComparison.Ordinal)
                || (path.StartsWith(prefix, StringComparison.Ordinal) && (prefix.EndsWith('/') || path[prefix.Length] == '/')))
            {
                return true;
            }
        }

        return false;
    }

    private static Uri WithoutFragment(Uri uri) =>
        uri.Fragment.Length == 0 ? uri : new Uri(uri.GetLeftPart(UriPartial.Query));
}
