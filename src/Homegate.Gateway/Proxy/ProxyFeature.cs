using Homegate.Gateway.SignupGate;
using Yarp.ReverseProxy.Configuration;

namespace Homegate.Gateway.Proxy;

/// <summary>YARP in front of the homeserver, with the signup gate in its pipeline.</summary>
internal static class ProxyFeature
{
    public static IServiceCollection AddHomegateProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GateOptions>().Bind(configuration.GetSection(GateOptions.Section))
            .Validate(o => o.ReservationLease > TimeSpan.Zero, "Homegate:Gate:ReservationLease must be positive.")
            .ValidateOnStart();
        services.AddSingleton<SignupGateMiddleware>();
        services.AddSingleton<Codes.CodeGuessLimiter>();
        services.AddSingleton<Codes.PresentedPermitResolver>();
        var proxy = services.AddReverseProxy();
        if (Homeservers.HomeserversConfig.IsShared(configuration))
        {
            // Several homeservers: routes (host match) and clusters come from Homegate:Homeservers.
            services.AddSingleton<IProxyConfigProvider, Homeservers.SharedProxyConfig>();
        }
        else
        {
            proxy.LoadFromConfig(configuration.GetSection("ReverseProxy"));
        }

        proxy.AddConfigFilter<ProxyConfigFilter>()
            .AddTransforms<SignupGateTransforms>();
        return services;
    }

    /// <summary>
    /// A reservation must outlive the longest forward: a lease that expires while the homeserver may still
    /// answer lets a retry take the permit over. Null when the lease covers every cluster's ActivityTimeout
    /// (YARP's default: 100 s), otherwise a message naming both keys.
    /// </summary>
    public static string? LeaseProblem(TimeSpan lease, IEnumerable<ClusterConfig> clusters)
    {
        foreach (var cluster in clusters)
        {
            var activity = cluster.HttpRequest?.ActivityTimeout ?? DefaultActivityTimeout;
            if (lease <= activity)
            {
                return $"{GateOptions.Section}:ReservationLease ({lease:c}) must be longer than " +
                       $"ReverseProxy:Clusters:{cluster.ClusterId}:HttpRequest:ActivityTimeout ({activity:c}" +
                       (cluster.HttpRequest?.ActivityTimeout is null ? ", YARP's default" : "") +
                       "): a slow signup would lose its reservation while the homeserver may still answer. " +
                       "Raise the lease or lower the timeout.";
            }
        }

        return null;
    }

    /// <summary>Refuses to start when <see cref="LeaseProblem"/> finds one.</summary>
    public static void EnsureLeaseCoversForwards(IServiceProvider services)
    {
        var lease = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GateOptions>>().Value.ReservationLease;
        var clusters = services.GetServices<IProxyConfigProvider>().SelectMany(p => p.GetConfig().Clusters);
        if (LeaseProblem(lease, clusters) is { } problem)
        {
            throw new Configuration.ConfigurationProblemException(problem);
        }
    }

    private static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(100);

    /// <summary>The homeserver accepts bodies up to 100 MiB; Kestrel's default (30,000,000 bytes) stays
    /// for homegate's own endpoints. Gated signup bodies are capped at 16 KiB by the gate itself.</summary>
    public const long MaxPassThroughBodyBytes = 100L * 1024 * 1024;

    /// <remarks>A <see cref="RequestDelegate"/> continuation: added with <c>Use</c>, it costs no closure per request.</remarks>
    private static Task AllowHomeserverBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxPassThroughBodyBytes)
        {
            // Refused before anything is forwarded (Kestrel would only notice once YARP reads the body).
            return Problems.HomegateProblem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body-too-large",
                "Request body too large", $"Request bodies are limited to {MaxPassThroughBodyBytes} bytes.");
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxPassThroughBodyBytes;
        }

        return next(context);
    }

    public static IEndpointRouteBuilder MapHomegateProxy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(pipeline =>
        {
            pipeline.Use(AllowHomeserverBodies);
            pipeline.Use(ProxyErrorMiddleware.InvokeAsync);
            pipeline.UseSignupGate();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}
