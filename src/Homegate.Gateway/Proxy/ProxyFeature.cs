using Homegate.Gateway.SignupGate;

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
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<ProxyConfigFilter>()
            .AddTransforms<SignupGateTransforms>();
        return services;
    }

    public static IEndpointRouteBuilder MapHomegateProxy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(pipeline =>
        {
            pipeline.Use(ProxyErrorMiddleware.InvokeAsync);
            pipeline.UseSignupGate();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}
