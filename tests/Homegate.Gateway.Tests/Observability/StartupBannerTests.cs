using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Observability;
using Homegate.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Gateway.Tests.Observability;

public sealed class StartupBannerTests
{
    private const string DbPassword = "db-pw-7f3c91e2";
    private const string SmsApiKey = "prelude-key-5b2a77d0";

    [Fact]
    public async Task Banner_names_routes_clusters_and_settings_and_never_a_secret()
    {
        var directory = Path.Combine(Path.GetTempPath(), "homegate-banner-" + Guid.NewGuid().ToString("N")[..12]);
        await using var db = await TestDatabase.CreateAsync();
        await using var homeserver = await FakeHomeserver.StartAsync(new FakeHomeserverOptions { AdminPassword = "admin-pw-0c4d19aa" });
        var connection = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Password = DbPassword }.ConnectionString;
        var config = GatewayHost.WriteConfig(directory, db, homeserver, json =>
        {
            json["ConnectionStrings"]!["Homegate"] = connection;
            json["Logging"]!["LogLevel"]![StartupBanner.Category] = "Information";
            json["Homegate"]!["Sms"] = new JsonObject { ["ApiKey"] = SmsApiKey, ["BaseUrl"] = "http://127.0.0.1:9" };
            json["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("10.0.0.0/8") };
        });
        var logs = new CapturedLogs();
        try
        {
            await using var gateway = await GatewayHost.StartAsync(config, services => services.AddSingleton<ILoggerProvider>(logs));

            var banner = Assert.Single(logs.Lines, l => l.Contains($"{StartupBanner.Category} [{StartupBanner.EventId}]", StringComparison.Ordinal));
            Assert.StartsWith("Information", banner, StringComparison.Ordinal);
            Assert.Contains("route homeserver: {**catch-all} -> homeserver", banner, StringComparison.Ordinal);
            Assert.Contains($"cluster homeserver/main: {homeserver.ClientUrl}", banner, StringComparison.Ordinal);
            Assert.Contains(gateway.BaseUrl.ToString().TrimEnd('/'), banner, StringComparison.Ordinal);
            Assert.Contains(config, banner, StringComparison.Ordinal);
            Assert.Contains("sms verification:   enabled", banner, StringComparison.Ordinal);
            Assert.Contains("signup mode:        TokenRequired", banner, StringComparison.Ordinal);
            Assert.Contains(homeserver.PublicKeyZ32, banner, StringComparison.Ordinal);
            Assert.Contains("10.0.0.0/8", banner, StringComparison.Ordinal);
            Assert.Contains("rate limit signup", banner, StringComparison.Ordinal);

            Assert.DoesNotContain(homeserver.AdminPassword, logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(DbPassword, logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(SmsApiKey, logs.All, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
