using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary><c>Homegate:Homeservers</c> as check-config, serve and invite see it.</summary>
public sealed class SharedConfigTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-shared-config").FullName;
    private TestDatabase _db = null!;
    private FakeHomeserver _a = null!;
    private FakeHomeserver _b = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _a = await FakeHomeserver.StartAsync();
        _b = await FakeHomeserver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Config(Action<JsonObject>? edit = null) => SharedHomegateTestBase.WriteSharedConfig(_directory, _db, _a, _b, null, edit);

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => CliRunner.RunAsync(args);

    [Fact]
    public async Task Check_config_shows_each_homeserver_without_secrets()
    {
        var (exit, output, error) = await Run("check-config", "--config", Config());
        Assert.True(exit == 0, error);
        Assert.Contains("homeserver a:", output, StringComparison.Ordinal);
        Assert.Contains("homeserver b:", output, StringComparison.Ordinal);
        Assert.Contains(SharedHomegateTestBase.HostA, output, StringComparison.Ordinal);
        Assert.Contains(SharedHomegateTestBase.HostB, output, StringComparison.Ordinal);
        Assert.Contains(_b.ClientUrl, output, StringComparison.Ordinal);
        Assert.DoesNotContain(_a.AdminPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(_b.AdminPassword, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_sections_together_are_refused_with_a_message_naming_both()
    {
        var config = Config(c => c["Homegate"]!["Homeserver"] = new JsonObject { ["AdminUrl"] = _a.AdminUrl });
        var (exit, _, error) = await Run("check-config", "--config", config);
        Assert.Equal(1, exit);
        Assert.Contains("Homegate:Homeserver and Homegate:Homeservers", error, StringComparison.Ordinal);

        var serve = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(config));
        Assert.Contains("Homegate:Homeservers", serve.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Upstream", null, "Homegate:Homeservers:b:Upstream")]
    [InlineData("Hosts", "a.test", "Homegate:Homeservers:b:Hosts: 'a.test' is already a host of homeserver 'a'")]
    [InlineData("AdminUrl", "not a url", "Homegate:Homeservers:b")]
    [InlineData("PublicKey", "short", "Homegate:Homeservers:b:PublicKey")]
    [InlineData("Verifications", "Carrier pigeon", "Homegate:Homeservers:b:Verifications")]
    public async Task One_homeservers_configuration_error_is_refused_naming_that_homeserver(string key, string? value, string expected)
    {
        var config = Config(c =>
        {
            var b = c["Homegate"]!["Homeservers"]!["b"]!.AsObject();
            b.Remove(key);
            if (value is not null)
            {
                b[key] = key is "Hosts" or "Verifications" ? new JsonArray(value) : value;
            }
        });
        var (exit, _, error) = await Run("check-config", "--config", config);
        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Homegate:Homeservers:a", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_admin_password_is_refused_at_start_at_once_naming_that_homeserver()
    {
        var config = Config(c =>
        {
            var b = c["Homegate"]!["Homeservers"]!["b"]!.AsObject();
            b["AdminPassword"] = "not-" + _b.AdminPassword;
            b["StartupTimeout"] = "00:01:00";
        });

        // Not retried like an admin API that is down (that would ask again for a minute, then serve
        // the others): the password cannot become right by waiting.
        var serve = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(config));
        Assert.Equal(1, _b.AdminPasswordRefusals);
        Assert.Contains("Homegate:Homeservers:b:AdminPassword", serve.Message, StringComparison.Ordinal);
        Assert.Contains("Homeserver 'b'", serve.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_b.AdminPassword, serve.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Homegate:Homeservers:a", serve.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invitations_open_on_their_homeservers_own_host_and_last_its_own_default_lifetime()
    {
        var config = Config(c =>
        {
            c["Homegate"]!["PublicUrl"] = "https://somewhere-else.example";
            c["Homegate"]!["Homeservers"]!["b"]!["Invitations"] = new JsonObject { ["PublicUrl"] = "http://b.test:8080/", ["Lifetime"] = "01:00:00" };
        });
        const string code = "[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}";

        // Not the one-homeserver Homegate:PublicUrl: the landing page shows the homeserver of its host.
        var urlA = await Run("invite", "--config", config, "--homeserver", "a", "--format", "url");
        Assert.True(urlA.Exit == 0, urlA.Err);
        Assert.Matches($"^https://a\\.test/invite/{code}$", urlA.Out.Trim());
        var urlB = await Run("invite", "--config", config, "--homeserver", "b", "--format", "url");
        Assert.True(urlB.Exit == 0, urlB.Err);
        Assert.Matches($"^http://b\\.test:8080/invite/{code}$", urlB.Out.Trim());

        var ring = Homegate.Verification.Permits.PermitKeyRing.LoadOrCreate(Path.Combine(_directory, "data"), []);
        TimeSpan Validity(string permit, FakeHomeserver homeserver)
        {
            var verifier = new Homegate.Verification.Permits.PermitVerifier(ring, Microsoft.Extensions.Options.Options.Create(new Homegate.Verification.Permits.PermitOptions()),
                new Homegate.Verification.Homeserver.HomeserverIdentity(homeserver.PublicKeyZ32), TimeProvider.System);
            var claims = verifier.Verify(permit).Claims!;
            return claims.Expires - claims.IssuedAt;
        }

        var permitA = await Run("invite", "--config", config, "--homeserver", "a", "--format", "permit");
        var permitB = await Run("invite", "--config", config, "--homeserver", "b", "--format", "permit");
        var permitBGiven = await Run("invite", "--config", config, "--homeserver", "b", "--format", "permit", "--lifetime", "2.00:00:00");
        static void About(TimeSpan expected, TimeSpan actual) =>
            Assert.InRange(actual, expected - TimeSpan.FromSeconds(1), expected + TimeSpan.FromSeconds(1));
        About(TimeSpan.FromDays(7), Validity(permitA.Out.Trim(), _a));
        About(TimeSpan.FromHours(1), Validity(permitB.Out.Trim(), _b));
        About(TimeSpan.FromDays(2), Validity(permitBGiven.Out.Trim(), _b));

        var elsewhere = Config(c => c["Homegate"]!["Homeservers"]!["b"]!["Invitations"] = new JsonObject { ["PublicUrl"] = "https://a.test" });
        var refused = await Run("check-config", "--config", elsewhere);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("Homegate:Homeservers:b:Invitations:PublicUrl", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invite_needs_homeserver_when_there_are_several_and_refuses_an_unknown_name()
    {
        var config = Config();
        var (exit, _, error) = await Run("invite", "--config", config);
        Assert.Equal(1, exit);
        Assert.Contains("--homeserver", error, StringComparison.Ordinal);

        var unknown = await Run("invite", "--config", config, "--homeserver", "c");
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("no homeserver named 'c'", unknown.Err, StringComparison.Ordinal);
    }
}
