namespace Homegate.Gateway.OwnedPaths;

/// <summary>
/// The URL prefixes homegate serves itself (API.md §1): nothing under them is ever forwarded to the
/// homeserver. A feature that serves more paths adds its prefix with
/// <see cref="OwnedPathsFeature.AddOwnedPathPrefix"/>. Not read from configuration.
/// </summary>
internal sealed class OwnedPathOptions
{
    /// <summary>Prefixes such as <c>/sms_verification</c>: the path itself and everything below it.</summary>
    public IList<string> Prefixes { get; } = [];
}
