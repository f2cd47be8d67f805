using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Gateway.Health;

/// <summary>
/// The database answers a <c>SELECT 1</c> within <see cref="HealthOptions.DatabaseTimeout"/>. On failure the
/// connection pool is cleared, so once PostgreSQL is back the next signup gets a fresh connection rather
/// than one that died with the old server process.
/// </summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, IOptionsMonitor<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CurrentValue.DatabaseTimeout);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token));
            return HealthCheckResult.Healthy("reachable");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException
                                  && !cancellationToken.IsCancellationRequested)
        {
            dataSource.Clear();
            var reason = e is OperationCanceledException ? "no answer within the timeout" : "not reachable";
            return HealthCheckResult.Unhealthy(reason);
        }
    }
}
