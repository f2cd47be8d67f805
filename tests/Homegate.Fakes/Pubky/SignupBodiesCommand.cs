using System.Globalization;

namespace Homegate.Fakes.Pubky;

/// <summary>
/// <c>homegate-fakes signup-bodies --count N --out DIR</c>: N distinct valid AuthTokens (a new user key
/// each, timestamp now) as <c>DIR/1.bin</c> … <c>DIR/N.bin</c> for a wrk benchmark of signups. They
/// fall out of the homeserver's ±180 s window three minutes after they are written.
/// </summary>
public static class SignupBodiesCommand
{
    public static async Task<int> RunSignupBodiesAsync(string[] args)
    {
        var count = Homeserver.CommandLine.IntOption(args, "--count", -1);
        var dir = Homeserver.CommandLine.Option(args, "--out");
        if (count < 1 || dir is null)
        {
            await Console.Error.WriteLineAsync("usage: signup-bodies --count N --out DIR");
            return 2;
        }

        Directory.CreateDirectory(dir);
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i <= count; i++)
        {
            var token = AuthTokens.Create(UserKey.Generate(), now);
            await File.WriteAllBytesAsync(Path.Combine(dir, i.ToString(CultureInfo.InvariantCulture) + ".bin"), token);
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} AuthTokens written to {dir} (valid until {now.AddSeconds(180):O})"));
        return 0;
    }
}
