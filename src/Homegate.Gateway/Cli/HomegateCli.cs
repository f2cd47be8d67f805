using System.CommandLine;

namespace Homegate.Gateway.Cli;

/// <summary>
/// <c>homegate [serve] [--config PATH]</c>, <c>migrate</c>, <c>check-config</c>, <c>invite</c> (API.md §7).
/// Host options such as <c>--urls</c> pass through to ASP.NET Core.
/// </summary>
internal static class HomegateCli
{
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var config = new Option<string?>("--config") { Description = "Configuration file [config/homegate.json]", Recursive = true };

        var serve = new Command("serve", "Run the gateway (the default command).") { TreatUnmatchedTokensAsErrors = false };
        serve.SetAction((result, cancel) => ServeCommand.RunAsync(result.GetValue(config), [.. result.UnmatchedTokens], error, cancel));

        var migrate = new Command("migrate", "Apply pending database migrations and exit.");
        migrate.SetAction((result, cancel) => MigrateCommand.RunAsync(result.GetValue(config), output, error, cancel));

        var checkConfig = new Command("check-config", "Validate the configuration, print a summary without secrets, exit 0/1.");
        checkConfig.SetAction((result, cancel) => CheckConfigCommand.RunAsync(result.GetValue(config), output, error, cancel));

        var count = new Option<int>("--count") { Description = "How many invitations", DefaultValueFactory = _ => 1 };
        var lifetime = new Option<TimeSpan?>("--lifetime") { Description = "Validity, D.HH:MM:SS [7 days, or the homeserver's Invitations:Lifetime]" };
        var pubky = new Option<string?>("--pubky") { Description = "Bind the invitations to this z-base-32 public key" };
        var format = new Option<string>("--format") { Description = "code (XXXX-XXXX-XXXX, for people), permit (for machines) or url (<Homegate:PublicUrl>/invite/<code>)", DefaultValueFactory = _ => "code" };
        var homeserver = new Option<string?>("--homeserver") { Description = "The homeserver the invitations are for (by its name in Homegate:Homeservers; required when there are several)" };
        var invite = new Command("invite", "Print operator-issued invitations (mth=invite), one per line, as signup codes by default.") { count, lifetime, pubky, format, homeserver };
        invite.SetAction((result, cancel) => InviteCommand.RunAsync(
            result.GetValue(config), result.GetValue(count), result.GetValue(lifetime), result.GetValue(pubky), result.GetValue(format), output, error, cancel, result.GetValue(homeserver)));

        var root = new RootCommand("homegate: a signup gate for Pubky homeservers") { TreatUnmatchedTokensAsErrors = false };
        root.Options.Add(config);
        root.Subcommands.Add(serve);
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(checkConfig);
        root.Subcommands.Add(invite);
        root.SetAction((result, cancel) => ServeCommand.RunAsync(result.GetValue(config), [.. result.UnmatchedTokens], error, cancel));

        var parsed = root.Parse(args);
        return parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
