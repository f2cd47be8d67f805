using Homegate.Gateway.Cli;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>Runs the <c>homegate</c> command line in-process, as an operator would type it.</summary>
public static class CliRunner
{
    /// <summary>The exit code, and what the command wrote to stdout and stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await HomegateCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
