using Homegate.Fakes;
using Homegate.Fakes.Homeserver;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>A fresh database, a fake homeserver and a temp directory for each test; the test starts
/// its own homegate(s) with <see cref="GatewayHost"/>.</summary>
public abstract class HomeserverTestBase : IAsyncLifetime
{
    protected string TempDirectory { get; } = Directory.CreateTempSubdirectory("homegate-test").FullName;

    protected TestDatabase Db { get; private set; } = null!;

    protected FakeHomeserver Homeserver { get; private set; } = null!;

    /// <summary>Options of the fake homeserver; null for its defaults.</summary>
    protected virtual FakeHomeserverOptions? HomeserverOptions => null;

    /// <summary>False: the database starts empty (for tests of what applies the schema).</summary>
    protected virtual bool MigrateDatabase => true;

    public virtual async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync(migrate: MigrateDatabase);
        Homeserver = await FakeHomeserver.StartAsync(HomeserverOptions);
    }

    public virtual async Task DisposeAsync()
    {
        await Homeserver.DisposeAsync();
        await Db.DisposeAsync();
        Directory.Delete(TempDirectory, recursive: true);
    }
}
