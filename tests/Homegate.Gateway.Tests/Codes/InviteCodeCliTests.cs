using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Homegate.Gateway.Cli;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Codes;

/// <summary><c>homegate invite</c>: codes by default, permits or invitation URLs on request.</summary>
public sealed class InviteCodeCliTests : HomeserverTestBase
{
    private const string CodePattern = "[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}";
    protected override bool MigrateDatabase => false;

    private static async Task<(int Exit, string[] Lines, string Err)> Run(params string[] args)
    {
        var (exit, output, error) = await CliRunner.RunAsync(args);
        return (exit, output.Split('\n', StringSplitOptions.RemoveEmptyEntries), error);
    }

    [Fact]
    public async Task Invite_prints_codes_by_default_and_each_signs_up_once_through_the_gate()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var (exit, codes, error) = await Run("invite", "--count", "2", "--config", config);
        Assert.True(exit == 0, error);
        Assert.Equal(2, codes.Length);
        Assert.All(codes, c => Assert.Matches("^" + CodePattern + "$", c));

        await using var gateway = await GatewayHost.StartAsync(config);
        foreach (var code in codes)
        {
            Assert.Equal(HttpStatusCode.OK, (await gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).StatusCode);
            await (await gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        }

        Assert.Equal(2, Homeserver.Users.Count);
    }

    [Fact]
    public async Task Format_url_needs_PublicUrl_and_prints_invitation_addresses()
    {
        var bare = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var (failed, nothing, error) = await Run("invite", "--format", "url", "--config", bare);
        Assert.Equal(1, failed);
        Assert.Empty(nothing);
        Assert.Contains("Homegate:PublicUrl", error, StringComparison.Ordinal);

        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, c => c["Homegate"]!["PublicUrl"] = "https://signup.example.com/");
        var (exit, urls, err) = await Run("invite", "--format", "url", "--count", "3", "--config", config);
        Assert.True(exit == 0, err);
        Assert.Equal(3, urls.Length);
        Assert.All(urls, u => Assert.Matches("^https://signup\\.example\\.com/invite/" + CodePattern + "$", u));

        var (bad, _, badError) = await Run("invite", "--format", "qr", "--config", config);
        Assert.Equal(1, bad);
        Assert.Contains("--format", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_count_is_stored_and_printed_in_batches_all_distinct()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var count = (InviteCommand.BatchSize * 2) + 7;
        var (exit, codes, error) = await Run("invite", "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", config);
        Assert.True(exit == 0, error);
        Assert.Equal(count, codes.Distinct(StringComparer.Ordinal).Count());
        await using var connection = await Db.DataSource.OpenConnectionAsync();
        Assert.Equal(count, await connection.ExecuteScalarAsync<int>("SELECT count(DISTINCT jti)::int FROM signup_codes WHERE method = 'invite'"));
    }
}
