using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Hosting;

internal static class HomeserverFeature
{
    public static IServiceCollection AddHomeserver(this IServiceCollection services, IConfiguration configuration)
    {
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

        // One long-lived client with pooled connections: minting runs once per signup.
        services.AddSingleton(provider => new HomeserverAdminClient(
            new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                UseCookies = false,
                AllowAutoRedirect = false,
            })
            { Timeout = Timeout.InfiniteTimeSpan },
            provider.GetRequiredService<IOptionsMonitor<HomeserverOptions>>()));
        return services;
    }
}
