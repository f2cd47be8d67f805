using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Homegate.Gateway.Homeservers;

/// <summary>
/// YARP's routes and clusters with several homeservers, derived from <c>Homegate:Homeservers</c> instead of
/// the <c>ReverseProxy</c> section: per homeserver one catch-all route matching its <c>Hosts</c> and one
/// cluster <c>homeserver-&lt;name&gt;</c> with destination <c>main</c> at its <c>Upstream</c> (HTTP/1.1,
/// like the shorthand's). Rebuilt when a reload changes the homeservers.
/// </summary>
internal sealed class SharedProxyConfig(HomeserverRegistry registry) : IProxyConfigProvider
{
    public IProxyConfig GetConfig() => new Snapshot(registry);

    private sealed class Snapshot : IProxyConfig
    {
        public Snapshot(HomeserverRegistry registry)
        {
            ChangeToken = new CancellationChangeToken(registry.ChangeToken);
            Routes = [.. registry.All.Select(e => new RouteConfig
            {
                RouteId = e.ClusterId,
                ClusterId = e.ClusterId,
                Match = new RouteMatch { Path = "{**catch-all}", Hosts = e.Options.Hosts },
            })];
            Clusters = [.. registry.All.Select(e => new ClusterConfig
            {
                ClusterId = e.ClusterId,
                HttpRequest = new ForwarderRequestConfig { Version = System.Net.HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower },
                Destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
                {
                    ["main"] = new() { Address = e.Options.Upstream!.AbsoluteUri },
                },
            })];
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }
    }
}
