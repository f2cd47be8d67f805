using Homegate.Gateway.Hosting;
using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Homegate.Verification.Storage;

namespace Homegate.Gateway.Cli;

/// <summary>
/// Operator-issued invitations (<c>mth=invite</c>, <c>jti=inv:&lt;random&gt;</c>), each good for one signup,
/// printed one per line as a signup code (default), a permit, or the invitation page's address
/// (<c>&lt;Homegate:PublicUrl&gt;/invite/&lt;code&gt;</c>). Codes are stored (as hashes) and printed in
/// batches, so a large <c>--count</c> never holds more than one batch in memory, and every printed code
/// already works.
/// </summary>
internal static class InviteCommand
{
    public const int MaxCount = 100_000;
    public const string PublicUrlKey = "Homegate:PublicUrl";
    internal const int BatchSize = 500;

    public static readonly string[] Formats = ["code", "permit", "url"];

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(7);

    public static async Task<int> RunAsync(string? configPath, int count, TimeSpan? lifetimeOption, string? pubky, string? format, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? homeserver = null)
    {
        if (count is < 1 or > MaxCount)
        {
            await error.WriteLineAsync($"homegate: --count must be between 1 and {MaxCount}.");
            return 1;
        }

        if (lifetimeOption is { } given && (given <= TimeSpan.Zero || given > TimeSpan.FromDays(366)))
        {
            await error.WriteLineAsync("homegate: --lifetime must be positive and at most 366 days (D.HH:MM:SS).");
            return 1;
        }

        if (pubky is not null && !ZBase32.TryDecodePublicKey(pubky, out _))
        {
            await error.WriteLineAsync("homegate: --pubky must be a 52-character z-base-32 public key.");
            return 1;
        }

        format = (format ?? "code").Trim().ToLowerInvariant();
        if (!Formats.Contains(format))
        {
            await error.WriteLineAsync("homegate: --format must be code, permit or url.");
            return 1;
        }

        try
        {
            // Standard output carries the invitations only (operators redirect it to a file): logs go to stderr.
            await using var app = HomegateApp.Build(new HomegateStart(configPath, [], [new("Logging:Console:LogToStandardErrorThreshold", "Trace")]));
            // With several homeservers, --homeserver names the one the invitations are for (their audience).
            var registry = app.Services.GetRequiredService<Homeservers.HomeserverRegistry>();
            if (homeserver is null && registry.All.Count > 1)
            {
                await error.WriteLineAsync($"homegate: --homeserver is required with several homeservers ({string.Join(", ", registry.All.Select(e => e.Name))}).");
                return 1;
            }

            var target = homeserver ?? registry.All[0].Name;
            string? baseUrl = null;
            if (format == "url" && registry.ByName(target) is { } named)
            {
                // Checked before the admin API is asked. Several homeservers: the landing page must open
                // on this homeserver's own host.
                baseUrl = registry.IsShared
                    ? InvitationBase(named.Options)
                    : PublicBase(app.Configuration[PublicUrlKey]);
                if (baseUrl is null)
                {
                    await error.WriteLineAsync($"homegate: --format url needs {PublicUrlKey}, the absolute http(s) address people reach homegate at (e.g. https://signup.example.com).");
                    return 1;
                }
            }

            // Refuses an unknown --homeserver name.
            await HomegateApp.ResolveHomeserverIdentityAsync(app.Services, cancellationToken, target);
            var entry = registry.ByName(target)!;
            var lifetime = lifetimeOption ?? (registry.IsShared ? entry.Options.Invitations.Lifetime : null) ?? DefaultLifetime;
            Verification.Homeserver.HomeserverIdentity.Enter(entry.Identity);
            var issuer = app.Services.GetRequiredService<PermitIssuer>();
            if (format == "permit")
            {
                for (var i = 0; i < count; i++)
                {
                    await output.WriteLineAsync(issuer.Issue(NewJti(), PermitMethods.Invite, pubky, lifetime).Token);
                }
            }
            else
            {
                if (app.Configuration.GetValue("Homegate:Database:MigrateOnStart", true))
                {
                    await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);
                }

                var codes = app.Services.GetRequiredService<SignupCodeIssuer>();
                for (var done = 0; done < count; done += BatchSize)
                {
                    var batch = Enumerable.Range(0, Math.Min(BatchSize, count - done))
                        .Select(_ => issuer.Issue(NewJti(), PermitMethods.Invite, pubky, lifetime).Claims)
                        .ToList();
                    foreach (var code in await codes.IssueManyAsync(batch, cancellationToken))
                    {
                        await output.WriteLineAsync(baseUrl is null ? code : baseUrl + "/invite/" + code);
                    }

                    await output.FlushAsync(cancellationToken);
                }
            }

            await output.FlushAsync(cancellationToken);
            return 0;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync("homegate: invite failed: " + message);
            return 1;
        }
    }

    /// <summary>Where one of several homeservers' invitations open: its <c>Invitations:PublicUrl</c>, else
    /// <c>https://&lt;its first host&gt;</c>, without a trailing slash.</summary>
    internal static string? InvitationBase(Verification.Homeserver.HomeserverOptions homeserver) =>
        PublicBase((homeserver.Invitations.PublicUrl ?? new Uri("https://" + homeserver.Hosts[0])).AbsoluteUri);

    /// <summary>The configured public address without a trailing slash, or null when unset or not absolute http(s).</summary>
    internal static string? PublicBase(string? configured) =>
        Uri.TryCreate(configured?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : null;

    private static string NewJti()
    {
        Span<byte> random = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return "inv:" + Base64Url.Encode(random);
    }
}
