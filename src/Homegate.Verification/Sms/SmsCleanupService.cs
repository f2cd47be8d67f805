using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Verification.Sms;

/// <summary>
/// Periodically deletes SMS sessions nobody needs (DESIGN.md, "State"). Every instance may run it:
/// the deletes are idempotent. A failed round (database down) is logged and retried next interval.
/// </summary>
internal sealed partial class SmsCleanupService(SmsRepository repository, IOptions<SmsOptions> options, TimeProvider time, ILogger<SmsCleanupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await repository.DeleteStaleAsync(time.GetUtcNow(), stoppingToken, options.Value.FailedAttemptsWindow);
                if (deleted > 0)
                {
                    LogDeleted(deleted);
                }
            }
            catch (NpgsqlException e)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Deleted {Count} stale SMS sessions")]
    private partial void LogDeleted(int count);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "SMS session cleanup failed; retrying next interval")]
    private partial void LogFailed(Exception exception);
}
