using Homegate.Fakes;
using Homegate.Fakes.Homeserver;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>One database, one fake homeserver and one homegate shared by a test class.</summary>
public class GateFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "homegate-test-" + Guid.NewGuid().ToString("N")[..12]);

    public TestDatabase Db { get; private set; } = null!;

    public FakeHomeserver Homeserver { get; private set; } = null!;

    public GatewayHost Gateway { get; private set; } = null!;

    protected virtual FakeHomeserverOptions HomeserverOptions => new();

    protected virtual void EditConfig(System.Text.Json.Nodes.JsonObject config)
    {
    }

    public async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        Homeserver = await FakeHomeserver.StartAsync(HomeserverOptions);
        Gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, Db, Homeserver, EditConfig));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Homeserver.DisposeAsync();
        await Db.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
