using Homegate.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Homegate.Gateway.Tests.Observability;

/// <summary>Builds (never starts) the real composition from an empty config file plus the given values.</summary>
internal sealed class TempConfig : IAsyncDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "homegate-obs-" + Guid.NewGuid().ToString("N")[..12] + ".json");

    private TempConfig(Dictionary<string, string?> values)
    {
        // Build needs a connection string; nothing connects since the host never starts.
        File.WriteAllText(_file, """{ "ConnectionStrings": { "Homegate": "Host=127.0.0.1;Port=1;Database=none;Username=none" } }""");
        App = HomegateApp.Build(new HomegateStart(_file, [], values));
    }

    public WebApplication App { get; }

    public static TempConfig Build(Dictionary<string, string?> values) => new(values);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        File.Delete(_file);
    }
}
