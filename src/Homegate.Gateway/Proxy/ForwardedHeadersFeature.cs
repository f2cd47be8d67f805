using System.Net;
using Homegate.Gateway.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Homegate.Gateway.Proxy;

/// <summary>
/// The client address comes from <c>X-Forwarded-For</c> only when the peer is in
/// <c>Homegate:ForwardedHeaders:KnownNetworks</c>; by default nobody is trusted (not even loopback,
/// unlike the framework default). YARP then sets, not appends, <c>X-Forwarded-For</c> from that
/// address, so the homeserver never sees a client-supplied value. The trusted networks are read at
/// start (a change needs a restart).
/// </summary>
internal static class ForwardedHeadersFeature
{
    public const string KnownNetworksKey = "Homegate:ForwardedHeaders:KnownNetworks";

    public static IServiceCollection AddHomegateForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = ReadKnownNetworks(configuration);
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (Homeservers.HomeserversConfig.IsShared(configuration))
            {
                // Several homeservers are told apart by host: a trusted proxy's X-Forwarded-Host names it.
                options.ForwardedHeaders |= ForwardedHeaders.XForwardedHost;
            }

            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the loopback default and is still consulted.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }

            // Walk back through every trusted hop, stopping at the first untrusted one.
            options.ForwardLimit = null;
        });
        return services;
    }

    /// <summary>Adds the middleware only when some network is trusted: with empty lists the framework
    /// middleware would trust every peer.</summary>
    public static IApplicationBuilder UseHomegateForwardedHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        if (ReadKnownNetworks(configuration).Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    public static List<IPNetwork> ReadKnownNetworks(IConfiguration configuration)
    {
        var result = new List<IPNetwork>();
        foreach (var entry in configuration.GetSection(KnownNetworksKey).GetChildren())
        {
            var text = entry.Value?.Trim() ?? "";
            if (!IPNetwork.TryParse(text.Contains('/', StringComparison.Ordinal) ? text : AsHost(text), out var network))
            {
                throw new ConfigurationProblemException($"{KnownNetworksKey}:{entry.Key}: '{text}' is not a CIDR network (e.g. 10.0.0.0/8).");
            }

            result.Add(network);
        }

        return result;
    }

    private static string AsHost(string text) =>
        IPAddress.TryParse(text, out var address) ? $"{text}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}" : text;
}
