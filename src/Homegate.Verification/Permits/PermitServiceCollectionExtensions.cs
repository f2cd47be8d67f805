using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Homegate.Verification.Redemptions;

namespace Homegate.Verification.Permits;

public static class PermitServiceCollectionExtensions
{
    internal const string DataDirKey = "Homegate:DataDir";
    internal const string DefaultDataDir = "~/.homegate";

    /// <summary>
    /// Permit options (validated at start), the key ring from <c>Homegate:DataDir</c>, and the issuer and verifier.
    /// The host registers <see cref="Homeserver.HomeserverIdentity"/>.
    /// </summary>
    public static IServiceCollection AddPermits(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<PermitOptions>()
            .Bind(configuration.GetSection(PermitOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Issuer), $"{PermitOptions.SectionName}:Issuer must not be empty.")
            .Validate(o => o.Lifetime > TimeSpan.Zero, $"{PermitOptions.SectionName}:Lifetime must be positive (e.g. 00:15:00).")
            .Validate(o => o.TrustedKeys.All(k => Paserk.TryParsePublicKey(k?.Trim(), out _)),
                $"{PermitOptions.SectionName}:TrustedKeys must hold only k4.public PASERK keys.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => PermitKeyRing.LoadOrCreate(
            ResolveDataDir(configuration[DataDirKey]),
            sp.GetRequiredService<IOptions<PermitOptions>>().Value.TrustedKeys));
        services.AddSingleton<PermitIssuer>();
        services.AddSingleton<PermitVerifier>();
        services.AddSignupCodes(configuration);
        return services;
    }

    /// <summary>The data directory with a leading <c>~</c> expanded to the user's home; default <c>~/.homegate</c>.</summary>
    internal static string ResolveDataDir(string? configured)
    {
        var dir = string.IsNullOrWhiteSpace(configured) ? DefaultDataDir : configured.Trim();
        if (dir == "~" || dir.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            dir = dir.Length == 1 ? home : Path.Combine(home, dir[2..]);
        }

        return Path.GetFullPath(dir);
    }
}
