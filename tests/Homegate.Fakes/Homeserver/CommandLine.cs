using System.Globalization;

namespace Homegate.Fakes.Homeserver;

/// <summary>Tiny <c>--name value</c> parser shared by the standalone subcommands.</summary>
public static class CommandLine
{
    public static string? Option(string[] args, string name)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    public static int IntOption(string[] args, string name, int fallback) =>
        Option(args, name) is { } text ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Completes on Ctrl+C or SIGTERM.</summary>
    public static async Task WaitForShutdownAsync()
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
    }
}
