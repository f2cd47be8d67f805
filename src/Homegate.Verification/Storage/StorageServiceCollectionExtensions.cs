using Homegate.Verification.Redemptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Homegate.Verification.Storage;

public static class StorageServiceCollectionExtensions
{
    public const string ConnectionStringName = "Homegate";

    /// <summary>One <see cref="NpgsqlDataSource"/> for the process (from <c>ConnectionStrings:Homegate</c>),
    /// the migration runner and the permit redemption store.</summary>
    public static IServiceCollection AddHomegateStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider =>
        {
            var connectionString = configuration.GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Homegate is not set (or DATABASE_URL).");
            }

            var builder = new NpgsqlDataSourceBuilder(connectionString);

            // Homegate runs a handful of short statements per request; preparing them saves
            // PostgreSQL parse/plan work on every signup (tests/bench). An explicit setting wins.
            // (No Reset On Close is deliberately left off: session advisory locks and LISTEN must
            // not survive a connection's return to the pool.)
            if (!new NpgsqlConnectionStringBuilder(connectionString).ContainsKey("Max Auto Prepare"))
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 20;
            }

            builder.UseLoggerFactory(provider.GetService<Microsoft.Extensions.Logging.ILoggerFactory>());
            return builder.Build();
        });
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<RedemptionStore>();
        return services;
    }
}
