using Homegate.Gateway.Problems;
using Microsoft.AspNetCore.Connections;

namespace Homegate.Gateway.Hosting;

/// <summary>
/// Failures the client causes are not homegate's errors (issue 10, item 8): a request body that
/// is too slow, malformed at the HTTP level or too large (Kestrel's <see cref="BadHttpRequestException"/>)
/// gets its 4xx as problem+json (slow → 408 <c>request-timeout</c>); a client that vanished
/// (reset mid-body, aborted) gets no answer. Neither is logged above Debug. Sits inside the
/// exception handler so these never reach it (it would log them as errors and answer 500), after
/// routing and the owned-path guard (neither reads the body), on every request except plain
/// pass-through: YARP's forwarder never throws these to its caller (it reports body and client
/// failures in its error feature, which <c>ProxyErrorMiddleware</c> answers), so on pass-through
/// this frame would only cost time.
/// </summary>
internal static partial class ClientFaults
{
    public static IApplicationBuilder UseClientFaults(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Homegate.ClientFaults");
        return app.Use(next => context => InvokeAsync(context, next, logger));
    }

    private static async Task InvokeAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                LogBadRequest(logger, e.StatusCode, e.Message);
            }

            var (code, title) = e.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => ("request-timeout", "Request body too slow"),
                StatusCodes.Status413PayloadTooLarge => ("body-too-large", "Request body too large"),
                _ => ("bad-request", "Malformed request"),
            };
            await HomegateProblem.WriteAsync(context, e.StatusCode, code, title);
        }
        catch (Exception e) when (IsClientGone(context, e))
        {
            LogClientGone(logger, e);

            if (!context.Response.HasStarted)
            {
                // Nobody reads it; the status is for the access log and metrics only.
                context.Response.StatusCode = 499;
            }

            // The connection is gone: abort it so Kestrel does not try to drain a body whose read
            // was interrupted (it would log that as an error).
            context.Abort();
        }
    }

    private static bool IsClientGone(HttpContext context, Exception e)
        => e is ConnectionResetException
           || (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException);

    [LoggerMessage(EventId = 510, Level = LogLevel.Debug, Message = "Bad request from the client ({Status}): {Reason}")]
    private static partial void LogBadRequest(ILogger logger, int status, string reason);

    [LoggerMessage(EventId = 511, Level = LogLevel.Debug, Message = "The client went away mid-request")]
    private static partial void LogClientGone(ILogger logger, Exception exception);
}
