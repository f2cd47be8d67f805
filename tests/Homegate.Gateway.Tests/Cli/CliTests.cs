using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Tests.Cli;

public sealed class CliTests : HomeserverTestBase
{
    protected override bool MigrateDatabase => false;

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => CliRunner.RunAsync(args);

    [Fact]
    public async Task Migrate_applies_the_schema_once()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var first = await Run("migrate", "--config", config);
        Assert.Equal(0, first.Exit);
        Assert.Contains("applied migrations 1", first.Out, StringComparison.Ordinal);
        var second = await Run("migrate", "--config", config);
        Assert.Equal(0, second.Exit);
        Assert.Contains("up to date", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invite_prints_distinct_single_use_invite_permits_for_this_homeserver()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var user = UserKey.Generate().PublicKeyZ32;
        var (exit, output, error) = await Run("invite", "--count", "3", "--lifetime", "2.00:00:00", "--pubky", user, "--format", "permit", "--config", config);
        Assert.True(exit == 0, error);
        var permits = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, permits.Length);

        var ring = PermitKeyRing.LoadOrCreate(Path.Combine(TempDirectory, "data"), []);
        var verifier = new PermitVerifier(ring, Options.Create(new PermitOptions()), new HomeserverIdentity(Homeserver.PublicKeyZ32), TimeProvider.System);
        var claims = permits.Select(p => verifier.Verify(p)).Select(c => { Assert.Equal(PermitFailure.None, c.Failure); return c.Claims!; }).ToList();
        Assert.All(claims, c =>
        {
            Assert.Equal("invite", c.Method);
            Assert.Equal(user, c.Subject);
            Assert.StartsWith("inv:", c.Jti, StringComparison.Ordinal);
            Assert.InRange(c.Expires - c.IssuedAt, TimeSpan.FromDays(2) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        });
        Assert.Equal(3, claims.Select(c => c.Jti).Distinct().Count());
    }

    [Fact]
    public async Task Check_config_accepts_a_good_file_and_prints_no_secrets()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver);
        var (exit, output, error) = await Run("check-config", "--config", config);
        Assert.True(exit == 0, error);
        Assert.Contains("signup mode:", output, StringComparison.Ordinal);
        Assert.Contains("rate limit signup", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Homeserver.AdminPassword, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Homegate:RateLimits:Policies:signup:PermitLimit")]
    [InlineData("Homegate:Homeserver:AdminUrl")]
    [InlineData("Homegate:ForwardedHeaders:KnownNetworks")]
    public async Task Check_config_rejects_a_bad_value_naming_the_key(string key)
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, c =>
        {
            switch (key)
            {
                case "Homegate:RateLimits:Policies:signup:PermitLimit":
                    c["Homegate"]!["RateLimits"]!["Policies"]!["signup"]!["PermitLimit"] = 0;
                    break;
                case "Homegate:Homeserver:AdminUrl":
                    c["Homegate"]!["Homeserver"]!["AdminUrl"] = "ftp://nope";
                    break;
                default:
                    c["Homegate"]!["ForwardedHeaders"] = new System.Text.Json.Nodes.JsonObject { ["KnownNetworks"] = new System.Text.Json.Nodes.JsonArray("not-a-network") };
                    break;
            }
        });
        var (exit, _, error) = await Run("check-config", "--config", config);
        Assert.Equal(1, exit);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_exits_with_a_clear_message_when_the_homeserver_key_cannot_be_learned()
    {
        var config = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, c =>
        {
            c["Homegate"]!["Homeserver"]!["AdminPassword"] = "wrong";
            c["Homegate"]!["Homeserver"]!["StartupTimeout"] = "00:00:01";
        });
        var (exit, _, error) = await Run("serve", "--config", config, "--urls", "http://127.0.0.1:0");
        Assert.Equal(1, exit);
        Assert.Contains("public key", error, StringComparison.Ordinal);
        Assert.Contains("AdminPassword", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_is_an_error_naming_it()
    {
        var (exit, _, error) = await Run("check-config", "--config", "/nonexistent/homegate.json");
        Assert.Equal(1, exit);
        Assert.Contains("/nonexistent/homegate.json", error, StringComparison.Ordinal);
    }
}
