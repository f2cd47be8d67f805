using System.Collections.Concurrent;
using Npgsql;

namespace Homegate.Verification.Tests.Lightning;

/// <summary>The test's own LISTEN on <c>homegate_ln_paid</c>: counts how often each verification was announced.</summary>
internal sealed class PaidNotifications : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private PaidNotifications(NpgsqlConnection connection)
    {
        _connection = connection;
        _connection.Notification += (_, e) => Counts.AddOrUpdate(e.Payload, 1, (_, n) => n + 1);
        _loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await _connection.WaitAsync(_stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public ConcurrentDictionary<string, int> Counts { get; } = new();

    public static async Task<PaidNotifications> StartAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN homegate_ln_paid", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        return new PaidNotifications(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
