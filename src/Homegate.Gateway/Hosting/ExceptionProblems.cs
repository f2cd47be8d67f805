using Homegate.Gateway.Problems;
using Homegate.Gateway.SignupGate;
using Microsoft.AspNetCore.Diagnostics;

namespace Homegate.Gateway.Hosting;

/// <summary>Unhandled exceptions become problem+json without a stack trace: 503 when the database
/// is the cause, 500 otherwise.</summary>
internal static partial class ExceptionProblems
{
    public static Task HandleAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Homegate.Errors");
        if (exception is not null && SignupGateMiddleware.IsStorageFailure(exception))
        {
            LogStorage(logger, exception.GetType().Name);
            return HomegateProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "storage-unavailable",
                "Storage unavailable", "The database is unreachable; try again shortly.", TimeSpan.FromSeconds(5));
        }

        if (exception is not null)
        {
            LogUnhandled(logger, exception);
        }

        return HomegateProblem.WriteAsync(context, StatusCodes.Status500InternalServerError, "internal-error",
            "Internal error", "An unexpected error occurred.");
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Database unavailable while serving a request ({Exception})")]
    private static partial void LogStorage(ILogger logger, string exception);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Unhandled exception while serving a request")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
