using Homegate.Gateway.Hosting;
using Homegate.Verification.Storage;

namespace Homegate.Gateway.Cli;

internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string? configPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = HomegateApp.Build(new HomegateStart(configPath, []));
            var applied = await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);
            await output.WriteLineAsync(applied.Count == 0
                ? "homegate: the database is up to date."
                : $"homegate: applied migrations {string.Join(", ", applied)}.");
            return 0;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync("homegate: migrate failed: " + message);
            return 1;
        }
    }
}
