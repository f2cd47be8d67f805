using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Verification.Lightning;

/// <summary>
/// Every instance holds ONE <c>LISTEN homegate_ln_paid</c> connection and turns notifications into
/// <see cref="LightningPaymentHub"/> signals, so an <c>/await</c> on this instance wakes when another
/// instance's watcher records the payment. After the connection is re-established every waiter is
/// woken to re-read its row, since notifications sent meanwhile are lost.
/// </summary>
internal sealed partial class LightningPaymentListener(
    NpgsqlDataSource dataSource,
    LightningPaymentHub hub,
    LightningWatcherStatus status,
    IOptionsMonitor<LightningOptions> options,
    TimeProvider time,
    ILogger<LightningPaymentListener> logger) : BackgroundService
{
    // How long to wait for a notification before checking the connection is still alive.
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await connection.ExecuteAsync(new CommandDefinition($"LISTEN {LightningRepository.PaidChannel}", cancellationToken: stoppingToken));
                status.SetListening(true);
                failures = 0;

                // Waiters registered while we were not listening may have missed their NOTIFY.
                hub.SignalAll();
                while (true)
                {
                    if (!await connection.WaitAsync(Heartbeat, stoppingToken))
                    {
                        await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: stoppingToken));
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever it was, waiters depend on this connection: log and reconnect.
                status.Error("LISTEN connection: " + e.GetType().Name);
                LogListenFailed(e);
            }
            finally
            {
                status.SetListening(false);
            }

            var delay = Backoff.Delay(failures++, options.CurrentValue.ListenReconnectDelay, TimeSpan.FromSeconds(30));
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (Guid.TryParse(e.Payload, out var id))
        {
            hub.Signal(id);
        }
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning, Message = "LISTEN connection for Lightning payments lost; reconnecting")]
    private partial void LogListenFailed(Exception exception);
}
