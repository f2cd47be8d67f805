using Homegate.Gateway.Hosting;
using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;

namespace Homegate.Gateway.Cli;

/// <summary>Operator-issued permits (<c>mth=invite</c>, <c>jti=inv:&lt;random&gt;</c>): each works once.</summary>
internal static class InviteCommand
{
    public const int MaxCount = 100_000;

    public static async Task<int> RunAsync(string? configPath, int count, TimeSpan lifetime, string? pubky, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (count is < 1 or > MaxCount)
        {
            await error.WriteLineAsync($"homegate: --count must be between 1 and {MaxCount}.");
            return 1;
        }

        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(366))
        {
            await error.WriteLineAsync("homegate: --lifetime must be positive and at most 366 days (D.HH:MM:SS).");
            return 1;
        }

        if (pubky is not null && !ZBase32.TryDecodePublicKey(pubky, out _))
        {
            await error.WriteLineAsync("homegate: --pubky must be a 52-character z-base-32 public key.");
            return 1;
        }

        try
        {
            await using var app = HomegateApp.Build(new HomegateStart(configPath, []));
            await HomegateApp.ResolveHomeserverIdentityAsync(app.Services, cancellationToken);
            var issuer = app.Services.GetRequiredService<PermitIssuer>();
            var random = new byte[16];
            for (var i = 0; i < count; i++)
            {
                System.Security.Cryptography.RandomNumberGenerator.Fill(random);
                var permit = issuer.Issue("inv:" + Base64Url.Encode(random), "invite", pubky, lifetime);
                await output.WriteLineAsync(permit.Token);
            }

            await output.FlushAsync(cancellationToken);
            return 0;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync("homegate: invite failed: " + message);
            return 1;
        }
    }
}
