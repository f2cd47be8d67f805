using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Verification.Retention;

/// <summary>Runs <see cref="RetentionCleaner"/> every <see cref="RetentionOptions.Interval"/>; a failed pass
/// (database down) is logged and retried at the next tick.</summary>
internal sealed partial class RetentionService(RetentionCleaner cleaner, IOptionsMonitor<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var result = await cleaner.RunOnceAsync(stoppingToken);
                if (result.Total > 0)
                {
                    LogDeleted(result.UnusedPermits, result.RedeemedPermits, result.AbandonedLightning, result.PaidLightning, result.ExpiredCodes);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Retention: deleted {Unused} unused and {Redeemed} redeemed permit ids, {Abandoned} abandoned and {Paid} paid Lightning verifications, {Codes} expired signup codes")]
    private partial void LogDeleted(int unused, int redeemed, int abandoned, int paid, int codes);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Retention pass failed; retrying next interval")]
    private partial void LogFailed(Exception exception);
}

public static class RetentionServiceCollectionExtensions
{
    /// <summary>The retention job (<c>Homegate:Retention</c>, validated at start). Expects an <c>NpgsqlDataSource</c>.</summary>
    public static IServiceCollection AddHomegateRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>()
            .Bind(configuration.GetSection(RetentionOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Homegate:Retention is invalid (durations must be positive; AbandonedLightningRetention at least 1 day).")
            .ValidateOnStart();
        services.AddSingleton<RetentionCleaner>();
        services.AddHostedService<RetentionService>();
        return services;
    }
}
