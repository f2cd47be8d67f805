using Homegate.Gateway.SignupGate;

namespace Homegate.Gateway.OwnedPaths;

/// <summary>
/// The owned prefixes, normalised once (see <see cref="SignupPaths.Normalise"/>), and the per-request
/// test against them. Every proxied request asks, so the common spelling is answered without
/// normalising: a path that is already in normal form (lower-case printable ASCII, no <c>%</c>, no
/// backslash, no empty, <c>.</c> or <c>..</c> segment; a trailing slash is allowed) normalises to
/// itself, so it is compared as it is, without allocating. Any other path could be a variant
/// spelling of an owned one and is normalised in full, exactly as before.
/// </summary>
internal sealed class OwnedPrefixSet
{
    private readonly string[] _prefixes;

    public OwnedPrefixSet(IEnumerable<string> prefixes)
        => _prefixes = prefixes.Select(SignupPaths.Normalise).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Whether the request path <paramref name="path"/>, in any spelling, lies under an owned prefix.</summary>
    public bool IsOwned(string path)
    {
        if (!IsNormalForm(path))
        {
            return IsOwnedNormalised(SignupPaths.Normalise(path));
        }

        var span = path.AsSpan();
        if (span.Length > 1 && span[^1] == '/')
        {
            span = span[..^1];
        }

        return IsOwnedNormalised(span);
    }

    /// <summary>Whether an already normalised path lies under one of the prefixes.</summary>
    public bool IsOwnedNormalised(ReadOnlySpan<char> path)
    {
        foreach (var prefix in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal)
                && (path.Length == prefix.Length || path[prefix.Length] == '/'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <see cref="SignupPaths.Normalise"/> would return the path unchanged
    /// (up to one trailing slash). Conservative: false sends the path to the full normalisation.</summary>
    internal static bool IsNormalForm(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i < path.Length)
            {
                var c = path[i];
                if (c is < '!' or > '~' or (>= 'A' and <= 'Z') or '%' or '\\')
                {
                    return false;
                }

                if (c != '/')
                {
                    continue;
                }
            }

            var length = i - segmentStart;
            var last = i == path.Length;
            if ((length == 0 && !last)
                || (length == 1 && path[segmentStart] == '.')
                || (length == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.'))
            {
                return false;
            }

            segmentStart = i + 1;
        }

        return true;
    }
}
