using Homegate.Verification.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homegate.Fakes;

/// <summary>
/// A fresh PostgreSQL database for one test class, on the server named by
/// <c>HOMEGATE_TEST_PG</c> (an Npgsql connection string with rights to create databases; scripts/test
/// starts a throwaway server and sets it). Migrations are applied; the database is dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerVariable = "HOMEGATE_TEST_PG";

    private readonly string _adminConnectionString;

    private TestDatabase(string adminConnectionString, string name, NpgsqlDataSource dataSource, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        DataSource = dataSource;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The admin connection string of the test server; fails with a clear message when unset.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ServerVariable} is not set. Run the tests with scripts/test, which starts a throwaway PostgreSQL.");

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var admin = ServerConnectionString;
        var name = "hg_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        var dataSource = NpgsqlDataSource.Create(connectionString);
        if (migrate)
        {
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync();
        }

        return new TestDatabase(admin, name, dataSource, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
