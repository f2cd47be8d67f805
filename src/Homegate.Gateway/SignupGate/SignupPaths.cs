namespace Homegate.Gateway.SignupGate;

/// <summary>The homeserver's two signup endpoints.</summary>
internal enum SignupEndpoint
{
    None,

    /// <summary><c>POST /signup</c>: the body is a binary AuthToken.</summary>
    Signup,

    /// <summary><c>POST /auth/grant/signup</c>: the body is <c>{"grant","pop"}</c> JSON.</summary>
    GrantSignup,
}

/// <summary>
/// Decides whether a path names a signup endpoint, whatever its spelling: case, trailing or doubled
/// slashes, percent-encoding (also double), backslashes. Over-matching is safe (the request is only
/// gated); under-matching would let a signup through, so normalisation is generous.
/// </summary>
internal static class SignupPaths
{
    public static SignupEndpoint Classify(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return SignupEndpoint.None;
        }

        if (CannotBeSignup(path))
        {
            return SignupEndpoint.None;
        }

        var normalised = Normalise(path);
        return normalised switch
        {
            "/signup" => SignupEndpoint.Signup,
            "/auth/grant/signup" => SignupEndpoint.GrantSignup,
            _ => SignupEndpoint.None,
        };
    }

    /// <summary>
    /// The request's own path, classified at most once per request: the rate limiter, the pass-through
    /// check and the gate all ask. A path without <c>%</c> and without the word "signup" is answered by a
    /// scan of the string (no allocation, nothing cached); any other path is normalised once and the answer
    /// is kept in the request's features, tied to the path it was computed for (a middleware that rewrites
    /// <c>Request.Path</c> gets a fresh answer, never a stale one).
    /// </summary>
    public static SignupEndpoint Classify(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (string.IsNullOrEmpty(path) || CannotBeSignup(path))
        {
            return SignupEndpoint.None;
        }

        if (context.Features.Get<SignupClassification>() is { } known && string.Equals(known.Path, path, StringComparison.Ordinal))
        {
            return known.Endpoint;
        }

        var endpoint = Classify(path);
        context.Features.Set(new SignupClassification(path, endpoint));
        return endpoint;
    }

    /// <summary>The common case, decided without normalising: no encoding and the word is absent.</summary>
    private static bool CannotBeSignup(string path) =>
        !path.Contains('%', StringComparison.Ordinal) && !path.Contains("signup", StringComparison.OrdinalIgnoreCase);

    internal static string Normalise(string path)
    {
        var decoded = path;
        for (var i = 0; i < 4 && decoded.Contains('%', StringComparison.Ordinal); i++)
        {
            var next = Uri.UnescapeDataString(decoded);
            if (next == decoded)
            {
                break;
            }

            decoded = next;
        }

        var segments = decoded.Replace('\\', '/').ToLowerInvariant()
            .Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var stack = new List<string>(segments.Length);
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case ".":
                    break;
                case "..":
                    if (stack.Count > 0)
                    {
                        stack.RemoveAt(stack.Count - 1);
                    }

                    break;
                default:
                    stack.Add(segment);
                    break;
            }
        }

        return "/" + string.Join('/', stack);
    }
}

/// <summary>A request's path and what <see cref="SignupPaths.Classify(HttpContext)"/> found for it.</summary>
internal sealed record SignupClassification(string Path, SignupEndpoint Endpoint);
