using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Pubky;

// Standalone fakes for the local demo and the benchmarks. One subcommand per fake; each lives in
// its own file as a static Run…Async(string[] args) returning the exit code.
var rest = args.Length > 1 ? args[1..] : [];
return args.FirstOrDefault() switch
{
    "homeserver" => await HomeserverCommand.RunHomeserverAsync(rest),
    "upstream" => await UpstreamCommand.RunUpstreamAsync(rest),
    "signup-bodies" => await SignupBodiesCommand.RunSignupBodiesAsync(rest),
    "signup" => await SignupClientCommand.RunSignupAsync(rest),
    "prelude" => await Homegate.Fakes.Prelude.FakePrelude.RunAsync(rest),
    "phoenixd" => await Homegate.Fakes.Phoenixd.FakePhoenixd.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: homegate-fakes <command> [options]
          homeserver [--client-port N] [--admin-port N] [--admin-password X] [--signup-mode token_required|open]
          upstream [--port N]
          signup-bodies --count N --out DIR
          prelude [--port N] [--api-key K]
          phoenixd [--port N] [--password X]
          signup --url BASE [--permit PERMIT] [--grant --homeserver-key Z32]
        """);
    return 2;
}
