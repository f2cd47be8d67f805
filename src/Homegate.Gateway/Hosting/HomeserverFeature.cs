using Homegate.Gateway.Homeservers;
using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Hosting;

internal static class HomeserverFeature
{
    public static IServiceCollection AddHomeserver(this IServiceCollection services, IConfiguration configuration)
    {
        // One long-lived client with pooled connections: minting runs once per signup.
        static HttpClient AdminHttp() => new(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };

        if (HomeserversConfig.IsShared(configuration))
        {
            // Several homeservers: each has its own identity and admin client; the registered identity is
            // nobody's, so nothing is issued or admitted outside a request of a known host.
            services.AddSingleton(new HomeserverIdentity { Name = "(none)" });
            services.AddSingleton(provider => new HomeserverRegistry(configuration, AdminHttp(), provider.GetRequiredService<ILogger<HomeserverRegistry>>()));
            return services;
        }

        services.AddOptions<HomeserverOptions>()
            .Bind(configuration.GetSection(HomeserverOptions.Section))
            .Validate(o => o.AdminUrl is not null || (o.SignupMode == SignupMode.Open && !string.IsNullOrWhiteSpace(o.PublicKey)),
                "Homegate:Homeserver:AdminUrl is required (unless SignupMode is Open and PublicKey is set).")
            .Validate(o => o.AdminUrl is null || (o.AdminUrl.IsAbsoluteUri && o.AdminUrl.Scheme is "http" or "https"),
                "Homegate:Homeserver:AdminUrl must be an absolute http(s) URL.")
            .Validate(o => string.IsNullOrWhiteSpace(o.PublicKey) || Verification.Crypto.ZBase32.TryDecodePublicKey(o.PublicKey.Trim(), out _),
                "Homegate:Homeserver:PublicKey must be a 52-character z-base-32 public key.")
            .Validate(o => o.AdminTimeout > TimeSpan.Zero, "Homegate:Homeserver:AdminTimeout must be positive.")
            .ValidateOnStart();
        services.AddSingleton<HomeserverIdentity>();
        services.AddSingleton(provider => new HomeserverAdminClient(AdminHttp(), provider.GetRequiredService<IOptionsMonitor<HomeserverOptions>>()));
        services.AddSingleton(provider =>
        {
            var monitor = provider.GetRequiredService<IOptionsMonitor<HomeserverOptions>>();
            var single = new HomeserverEntry(HomeserverIdentity.DefaultName, HomeserverOptions.Section, () => monitor.CurrentValue,
                provider.GetRequiredService<HomeserverIdentity>(), provider.GetRequiredService<HomeserverAdminClient>());
            return new HomeserverRegistry(single, configuration, provider.GetRequiredService<ILogger<HomeserverRegistry>>());
        });
        return services;
    }
}
