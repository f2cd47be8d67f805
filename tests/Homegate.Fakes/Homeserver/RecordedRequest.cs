namespace Homegate.Fakes.Homeserver;

/// <summary>One request as the fake homeserver's client API received it.</summary>
public sealed class RecordedRequest
{
    public required string Method { get; init; }

    /// <summary>The path, e.g. <c>/signup</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The request target exactly as it arrived (path and query, nothing decoded).</summary>
    public string RawTarget { get; init; } = "";

    /// <summary>The raw query string including the leading <c>?</c>, or empty.</summary>
    public required string QueryString { get; init; }

    /// <summary>Request headers; repeated headers are joined with <c>", "</c>. Case-insensitive keys.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The body; empty for bodies over <see cref="FakeHomeserver.LargeBodyBytes"/> (see <see cref="BodyLength"/>).</summary>
    public required byte[] Body { get; init; }

    /// <summary>How many body bytes arrived.</summary>
    public long BodyLength { get; init; }

    /// <summary>The TCP peer address (the proxy, when there is one).</summary>
    public string? RemoteIp { get; init; }

    /// <summary>Tenant from <c>Host</c> (when it is a key), <c>pubky-host</c> header or <c>?pubky-host=</c>.</summary>
    public string? Tenant { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The status code the fake answered with; null while the request is in progress or aborted.</summary>
    public int? ResponseStatus { get; internal set; }

    /// <summary>The value of a query parameter, or null.</summary>
    public string? Query(string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(QueryString).TryGetValue(name, out var v) ? v.ToString() : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}
