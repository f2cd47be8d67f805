using Homegate.Fakes;
using Homegate.Fakes.Prelude;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>A fresh database, a fake Prelude and a DataDir path per test, for tests that start the
/// SMS-only <see cref="SmsTestHost"/>.</summary>
public abstract class SmsTestBase : IAsyncLifetime
{
    protected string DataDir { get; } = Path.Join(Path.GetTempPath(), "homegate-sms-" + Guid.NewGuid().ToString("N"));

    protected TestDatabase Db { get; private set; } = null!;

    protected FakePrelude Prelude { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        Prelude = await FakePrelude.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Prelude.DisposeAsync();
        await Db.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
