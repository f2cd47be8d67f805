using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Lightning;

public static class LightningServiceCollectionExtensions
{
    /// <summary>
    /// Lightning verification: options (<c>Homegate:Lightning</c>, validated at start), the PhoenixD
    /// client, the service, the payment watcher (one socket holder across instances), the LISTEN
    /// wake-up hub and <see cref="LightningWatcherStatus"/>. Expects an <c>NpgsqlDataSource</c> and a
    /// <c>PermitIssuer</c> from the host. When disabled the background services do nothing.
    /// </summary>
    public static IServiceCollection AddLightningVerification(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LightningOptions>()
            .Bind(configuration.GetSection(LightningOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LightningOptions>, LightningOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LightningWatcherStatus>();
        services.TryAddSingleton<LightningPaymentHub>();
        services.TryAddSingleton<LightningRepository>();
        services.TryAddSingleton<LightningRowLoader>();
        services.TryAddSingleton<LightningPaymentProcessor>();
        services.TryAddSingleton<LightningVerificationService>();

        // Timeouts are applied per request from the options (hot reload); the handler lives on.
        services.AddHttpClient(PhoenixdClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton(sp => new PhoenixdClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(PhoenixdClient.HttpClientName),
            sp.GetRequiredService<IOptionsMonitor<LightningOptions>>(),
            sp.GetRequiredService<LightningWatcherStatus>()));

        services.AddHostedService<LightningPaymentListener>();
        services.AddHostedService<LightningPaymentWatcher>();
        return services;
    }
}
