using System.Text.Json.Nodes;

namespace Homegate.Fakes.Homeserver;

/// <summary><c>homegate-fakes homeserver</c>: runs a <see cref="FakeHomeserver"/> until Ctrl+C.</summary>
public static class HomeserverCommand
{
    public static async Task<int> RunHomeserverAsync(string[] args)
    {
        var mode = CommandLine.Option(args, "--signup-mode") ?? "token_required";
        if (mode is not ("token_required" or "open"))
        {
            await Console.Error.WriteLineAsync("--signup-mode must be token_required or open");
            return 2;
        }

        await using var server = await FakeHomeserver.StartAsync(new FakeHomeserverOptions
        {
            ClientPort = CommandLine.IntOption(args, "--client-port", 0),
            AdminPort = CommandLine.IntOption(args, "--admin-port", 0),
            AdminPassword = CommandLine.Option(args, "--admin-password"),
            SignupMode = mode == "open" ? FakeSignupMode.Open : FakeSignupMode.TokenRequired,
        });
        var line = new JsonObject
        {
            ["clientUrl"] = server.ClientUrl,
            ["adminUrl"] = server.AdminUrl,
            ["publicKey"] = server.PublicKeyZ32,
            ["adminPassword"] = server.AdminPassword,
        };
        Console.Out.WriteLine(line.ToJsonString());
        await Console.Out.FlushAsync();
        await CommandLine.WaitForShutdownAsync();
        return 0;
    }
}
