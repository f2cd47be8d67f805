using Homegate.Verification.Redemptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Homegate.Verification.Storage;

public static class StorageServiceCollectionExtensions
{
    public const string ConnectionStringName = "Homegate";

    /// <summary>The process's <see cref="NpgsqlDataSource"/> (from <c>ConnectionStrings:Homegate</c>), a
    /// second pool over the same database for the signup gate (connections without session state),
    /// the migration runner and the permit redemption store. Each pool obeys the connection string's
    /// <c>Maximum Pool Size</c>, so one instance may open up to twice that many connections.</summary>
    public static IServiceCollection AddHomegateStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => Build(provider, configuration, statelessSessions: false));

        // The signup gate's hot path runs three plain statements per signup and keeps no session
        // state, so its pool may skip the reset a returned connection otherwise gets (a round trip
        // of CLOSE ALL / UNLISTEN / advisory unlock …): that roughly halves PostgreSQL's CPU per
        // signup (tests/bench). Everything that holds session state (the Lightning watcher's
        // advisory lock and LISTEN, migrations) uses the main source, which resets.
        services.AddKeyedSingleton(StatelessKey, (provider, _) => Build(provider, configuration, statelessSessions: true));
        services.AddSingleton(provider => new RedemptionStore(
            provider.GetRequiredKeyedService<NpgsqlDataSource>(StatelessKey), provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<MigrationRunner>();
        return services;
    }

    /// <summary>The key of the data source whose connections carry no session state.</summary>
    public const string StatelessKey = "homegate-stateless";

    private static NpgsqlDataSource Build(IServiceProvider provider, IConfiguration configuration, bool statelessSessions)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Homegate is not set (or DATABASE_URL).");
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new NpgsqlConnectionStringBuilder(connectionString);

        // Short statements repeat on every request; preparing them saves parse/plan work. An
        // explicit setting in the connection string wins.
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 20;
        }

        if (statelessSessions && !given.ContainsKey("No Reset On Close"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        builder.UseLoggerFactory(provider.GetService<Microsoft.Extensions.Logging.ILoggerFactory>());
        return builder.Build();
    }
}
