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
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HomeserverOptions>, ShorthandValidation>();
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

    /// <summary>The shorthand's admin settings, checked by the same rules as each of several homeservers'.</summary>
    private sealed class ShorthandValidation : IValidateOptions<HomeserverOptions>
    {
        public ValidateOptionsResult Validate(string? name, HomeserverOptions options)
        {
            var problems = new List<string>();
            HomeserversConfig.CheckAdmin(HomeserverOptions.Section, options, problems);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
