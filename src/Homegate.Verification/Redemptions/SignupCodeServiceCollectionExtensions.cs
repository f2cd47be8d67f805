using Homegate.Verification.Permits;
using Homegate.Verification.Sms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Verification.Redemptions;

public static class SignupCodeServiceCollectionExtensions
{
    /// <summary>Signup codes: keys (from the pepper), store, issuer and verifier. Needs storage and permits.</summary>
    public static IServiceCollection AddSignupCodes(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var pepperPath = Path.Join(PermitServiceCollectionExtensions.ResolveDataDir(configuration[PermitServiceCollectionExtensions.DataDirKey]), PepperFile.FileName);
        services.TryAddSingleton(provider => new PepperGuard(
            provider.GetRequiredService<NpgsqlDataSource>(),
            pepperPath,
            provider.GetRequiredService<ILogger<PepperGuard>>()));
        services.TryAddSingleton<SignupCodeKeys>();
        services.TryAddSingleton<SignupCodeStore>();
        services.TryAddSingleton<SignupCodeIssuer>();
        services.TryAddSingleton<SignupCodeVerifier>();
        return services;
    }
}
