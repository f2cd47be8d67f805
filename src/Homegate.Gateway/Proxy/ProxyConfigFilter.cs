using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Homegate.Gateway.Proxy;

/// <summary>
/// Checks and completes YARP's configuration on every (re)load. An error here rejects the new
/// configuration; on reload YARP logs it and keeps serving the last good one.
/// </summary>
internal sealed class ProxyConfigFilter : IProxyConfigFilter
{
    public const string HomeserverCluster = "homeserver";

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        if (!string.Equals(cluster.ClusterId, HomeserverCluster, StringComparison.OrdinalIgnoreCase))
        {
            return ValueTask.FromResult(cluster);
        }

        // The homeserver speaks HTTP/1.1 on its client port; pin it so nothing tries h2c.
        var request = cluster.HttpRequest ?? new ForwarderRequestConfig();
        if (request.Version is null)
        {
            request = request with { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        }

        return ValueTask.FromResult(cluster with { HttpRequest = request });
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);
}
