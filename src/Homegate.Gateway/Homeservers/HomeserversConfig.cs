using System.Text.RegularExpressions;
using Homegate.Verification.Homeserver;

namespace Homegate.Gateway.Homeservers;

/// <summary>
/// Reads and checks <c>Homegate:Homeservers:&lt;name&gt;</c> (several homeservers behind one homegate).
/// Every problem names the homeserver's key, so an operator knows which homeserver to fix.
/// </summary>
internal static partial class HomeserversConfig
{
    public const string SmsVerification = "Sms";
    public const string LightningVerification = "Lightning";

    /// <summary>Whether the configuration describes several homeservers (<c>Homegate:Homeservers</c>).</summary>
    public static bool IsShared(IConfiguration configuration) =>
        configuration.GetSection(HomeserverOptions.SharedSection).GetChildren().Any();

    /// <summary>The homeservers by name, and the problems found (empty when valid).</summary>
    public static IReadOnlyList<(string Name, HomeserverOptions Options)> Read(IConfiguration configuration, out List<string> problems)
    {
        problems = [];
        var result = new List<(string, HomeserverOptions)>();
        var shared = configuration.GetSection(HomeserverOptions.SharedSection);
        if (configuration.GetSection(HomeserverOptions.Section).GetChildren().Any())
        {
            problems.Add($"{HomeserverOptions.Section} and {HomeserverOptions.SharedSection} are both set: with several homeservers, " +
                         $"describe each as {HomeserverOptions.SharedSection}:<name> and remove {HomeserverOptions.Section} (the one-homeserver shorthand).");
        }

        var hosts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in shared.GetChildren())
        {
            var name = child.Key;
            var key = $"{HomeserverOptions.SharedSection}:{name}";
            if (!NamePattern().IsMatch(name))
            {
                problems.Add($"{key}: the name must be 1 to 63 lower-case letters, digits or '-' (it labels routes, metrics and logs).");
                continue;
            }

            HomeserverOptions options;
            try
            {
                options = child.Get<HomeserverOptions>() ?? new HomeserverOptions();
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{key}: {e.Message}");
                continue;
            }

            var before = problems.Count;
            Check(key, options, problems);
            problems.AddRange(Page.PageBranding.Validate($"{key}:Page", child.GetSection("Page")));
            foreach (var host in options.Hosts)
            {
                var normal = (host ?? "").Trim().TrimEnd('.').ToLowerInvariant();
                if (normal.Length == 0 || normal.Contains(':', StringComparison.Ordinal) || Uri.CheckHostName(normal) == UriHostNameType.Unknown)
                {
                    problems.Add($"{key}:Hosts: '{host}' is not a host name (no scheme, port or path).");
                }
                else if (!hosts.TryAdd(normal, name))
                {
                    problems.Add($"{key}:Hosts: '{normal}' is already a host of homeserver '{hosts[normal]}'; every host belongs to one homeserver.");
                }
            }

            if (problems.Count == before)
            {
                options.Hosts = [.. options.Hosts.Select(h => h.Trim().TrimEnd('.').ToLowerInvariant())];
                if (options.Invitations.PublicUrl is { IsAbsoluteUri: true } url && !options.Hosts.Contains(url.Host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{key}:Invitations:PublicUrl: its host '{url.Host}' is not one of {key}:Hosts (an invitation opened there would show another homeserver, or none).");
                    continue;
                }

                result.Add((name, options));
            }
        }

        return result;
    }

    private static void Check(string key, HomeserverOptions o, List<string> problems)
    {
        if (o.Hosts.Length == 0)
        {
            problems.Add($"{key}:Hosts is required: the host names this homeserver is reached at.");
        }

        if (o.Upstream is null || !o.Upstream.IsAbsoluteUri || o.Upstream.Scheme is not ("http" or "https"))
        {
            problems.Add($"{key}:Upstream is required: the absolute http(s) address of its client API, e.g. http://10.0.0.5:6286/.");
        }

        CheckAdmin(key, o, problems);
        foreach (var v in o.Verifications ?? [])
        {
            if (!string.Equals(v, SmsVerification, StringComparison.OrdinalIgnoreCase) && !string.Equals(v, LightningVerification, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{key}:Verifications: '{v}' is not one of Sms, Lightning.");
            }
        }

        if (o.Invitations.PublicUrl is { } publicUrl && (!publicUrl.IsAbsoluteUri || publicUrl.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(publicUrl.Query) || !string.IsNullOrEmpty(publicUrl.Fragment)))
        {
            problems.Add($"{key}:Invitations:PublicUrl must be an absolute http(s) URL without query or fragment, e.g. https://signup.example.org.");
        }

        if (o.Invitations.Lifetime is { } lifetime && (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(366)))
        {
            problems.Add($"{key}:Invitations:Lifetime must be positive and at most 366 days (D.HH:MM:SS).");
        }

        if (o.Lightning.DefaultAmountSat is < 1 || o.Lightning.MinAmountSat is < 1)
        {
            problems.Add($"{key}:Lightning: DefaultAmountSat and MinAmountSat must be at least 1.");
        }
        else if (o.Lightning is { DefaultAmountSat: { } price, MinAmountSat: { } min } && min > price)
        {
            problems.Add($"{key}:Lightning:MinAmountSat must not exceed DefaultAmountSat.");
        }
    }

    /// <summary>
    /// The admin API and key settings, the same for the one-homeserver shorthand (<paramref name="key"/>
    /// <c>Homegate:Homeserver</c>, checked at start as options validation) and for each of several homeservers.
    /// </summary>
    public static void CheckAdmin(string key, HomeserverOptions o, List<string> problems)
    {
        if (o.AdminUrl is null && !(o.SignupMode == SignupMode.Open && !string.IsNullOrWhiteSpace(o.PublicKey)))
        {
            problems.Add($"{key}:AdminUrl is required (unless SignupMode is Open and PublicKey is set).");
        }

        if (o.AdminUrl is not null && (!o.AdminUrl.IsAbsoluteUri || o.AdminUrl.Scheme is not ("http" or "https")))
        {
            problems.Add($"{key}:AdminUrl must be an absolute http(s) URL.");
        }

        if (!string.IsNullOrWhiteSpace(o.PublicKey) && !Verification.Crypto.ZBase32.TryDecodePublicKey(o.PublicKey.Trim(), out _))
        {
            problems.Add($"{key}:PublicKey must be a 52-character z-base-32 public key.");
        }

        if (o.AdminTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{key}:AdminTimeout must be positive.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();
}
