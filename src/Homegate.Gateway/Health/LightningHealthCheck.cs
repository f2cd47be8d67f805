using Dapper;
using Homegate.Verification.Lightning;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Gateway.Health;

/// <summary>
/// When Lightning is enabled, some instance holds the PhoenixD WebSocket. Only the leader (holder of the
/// advisory lock) opens the socket, so on another instance "connected" means the lock is held by some
/// session in this database. Problems report degraded, not unhealthy: taking every instance out of
/// rotation because PhoenixD is away would also stop pass-through traffic and the other verification
/// methods, while payments made meanwhile are reconciled after the reconnect.
/// </summary>
internal sealed class LightningHealthCheck(
    LightningWatcherStatus status,
    IOptionsMonitor<LightningOptions> options,
    IOptionsMonitor<HealthOptions> health,
    NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return HealthCheckResult.Healthy("disabled");
        }

        var data = new Dictionary<string, object>
        {
            ["leader"] = status.Leader,
            ["connected"] = status.Connected,
            ["listening"] = status.Listening,
            ["phoenixdReachable"] = status.PhoenixdReachable,
        };
        if (!status.PhoenixdReachable)
        {
            return HealthCheckResult.Degraded("PhoenixD is not answering", data: data);
        }

        if (status.Leader)
        {
            return status.Connected
                ? Listening(HealthCheckResult.Healthy("this instance holds the PhoenixD socket", data), data)
                : HealthCheckResult.Degraded("this instance leads but its PhoenixD socket is reconnecting", data: data);
        }

        var heldElsewhere = await LockHeldAsync(cancellationToken);
        return heldElsewhere switch
        {
            true => Listening(HealthCheckResult.Healthy("another instance holds the PhoenixD socket", data), data),
            false => HealthCheckResult.Degraded("no instance holds the PhoenixD socket", data: data),
            null => HealthCheckResult.Degraded("cannot tell which instance holds the PhoenixD socket (database unreachable)", data: data),
        };
    }

    private static HealthCheckResult Listening(HealthCheckResult healthy, Dictionary<string, object> data) =>
        data["listening"] is true ? healthy : HealthCheckResult.Degraded("the LISTEN connection for payment wake-ups is down", data: data);

    /// <summary>Whether any session holds the watcher's advisory lock (a bigint key shows in
    /// <c>pg_locks</c> as classid = high half, objid = low half, objsubid = 1); null when the database is away.</summary>
    private async Task<bool?> LockHeldAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(health.CurrentValue.DatabaseTimeout);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                """
                SELECT EXISTS (SELECT 1 FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 1
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND classid::bigint = @High AND objid::bigint = @Low)
                """,
                new { High = LightningPaymentWatcher.LeaderLockKey >> 32, Low = LightningPaymentWatcher.LeaderLockKey & 0xFFFFFFFF },
                cancellationToken: timeout.Token));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException
                                  && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
