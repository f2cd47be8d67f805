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

        // Fast path for the common case: no encoding and the word cannot be present.
        if (!path.Contains('%', StringComparison.Ordinal) && !path.Contains("signup", StringComparison.OrdinalIgnoreCase))
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
