using Homegate.Gateway.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Homegate.Gateway.Proxy;

/// <summary>Rewrites YARP's bare 502/504 (homeserver down, timeout) into problem+json.</summary>
internal static partial class ProxyErrorMiddleware
{
    /// <remarks>A <see cref="RequestDelegate"/> continuation: added with <c>Use</c>, it costs no closure per request.</remarks>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        var error = context.GetForwarderErrorFeature();
        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Homegate.Proxy");
        LogProxyError(logger, error.Error, error.Exception?.GetType().Name ?? "none");
        switch (error.Error)
        {
            case ForwarderError.RequestTimedOut:
                await HomegateProblem.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "homeserver-timeout",
                    "Homeserver timeout", "The homeserver did not answer in time.");
                break;
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient:
                // The client went away or sent a broken body; nobody is left to read a problem.
                // Abort the connection: Kestrel would otherwise try to drain a body whose read was
                // cut off and log that as an error.
                context.Abort();
                break;
            default:
                await HomegateProblem.WriteAsync(context, StatusCodes.Status502BadGateway, "homeserver-unavailable",
                    "Homeserver unavailable", "The homeserver could not be reached.");
                break;
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Proxying to the homeserver failed: {Error} ({Exception})")]
    private static partial void LogProxyError(ILogger logger, ForwarderError error, string exception);
}
