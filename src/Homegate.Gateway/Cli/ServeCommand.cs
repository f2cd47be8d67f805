using Homegate.Gateway.Configuration;
using Homegate.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Cli;

internal static class ServeCommand
{
    public static async Task<int> RunAsync(string? configPath, string[] hostArgs, TextWriter error, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = HomegateApp.Build(new HomegateStart(configPath, hostArgs));
            await HomegateApp.InitializeAsync(app, cancellationToken);
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync("homegate: cannot start: " + message);
            return 1;
        }

        await app.RunAsync();
        return 0;
    }
}

/// <summary>Turns the exceptions a bad configuration causes into one readable line naming the key.</summary>
internal static class StartupFailure
{
    public static string? Describe(Exception e) => e switch
    {
        ConfigurationProblemException => e.Message,
        OptionsValidationException v => string.Join(" ", v.Failures),
        InvalidOperationException when e.InnerException is Npgsql.NpgsqlException n => "the database is unreachable: " + n.Message,
        Npgsql.NpgsqlException n => "the database is unreachable (ConnectionStrings:Homegate): " + n.Message,
        InvalidOperationException or ArgumentException or FormatException or IOException or UnauthorizedAccessException => e.Message,
        _ => null,
    };
}
