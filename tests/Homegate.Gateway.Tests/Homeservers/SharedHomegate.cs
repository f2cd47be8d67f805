using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Prelude;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>
/// One database, two fake homeservers (<c>a</c> at host <c>a.test</c>, <c>b</c> at <c>b.test</c>), a fake
/// Prelude, and one homegate in front of both configured with <c>Homegate:Homeservers</c>. Each test starts
/// its own homegate (<see cref="StartAsync"/>) so it can choose settings.
/// </summary>
public abstract class SharedHomegateTestBase : IAsyncLifetime
{
    public const string HostA = "a.test";
    public const string HostB = "b.test";

    protected string TempDirectory { get; } = Directory.CreateTempSubdirectory("homegate-shared").FullName;

    protected TestDatabase Db { get; private set; } = null!;

    protected FakeHomeserver A { get; private set; } = null!;

    protected FakeHomeserver B { get; private set; } = null!;

    protected FakePrelude Prelude { get; private set; } = null!;

    protected GatewayHost Gateway { get; private set; } = null!;

    protected string ConfigFile { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        A = await FakeHomeserver.StartAsync();
        B = await FakeHomeserver.StartAsync();
        Prelude = await FakePrelude.StartAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        await A.DisposeAsync();
        await B.DisposeAsync();
        await Prelude.DisposeAsync();
        await Db.DisposeAsync();
        Directory.Delete(TempDirectory, recursive: true);
    }

    /// <summary>The config of a shared homegate in front of <paramref name="a"/> and <paramref name="b"/>:
    /// the test's usual config with <c>Homegate:Homeservers</c> instead of <c>Homegate:Homeserver</c> and
    /// no <c>ReverseProxy</c> section.</summary>
    public static string WriteSharedConfig(string directory, TestDatabase db, FakeHomeserver a, FakeHomeserver b, FakePrelude? prelude, Action<JsonObject>? edit = null) =>
        GatewayHost.WriteConfig(directory, db, a, config =>
        {
            var homegate = config["Homegate"]!.AsObject();
            homegate.Remove("Homeserver");
            config.Remove("ReverseProxy");
            homegate["Homeservers"] = new JsonObject
            {
                ["a"] = Section(a, HostA),
                ["b"] = Section(b, HostB),
            };
            if (prelude is not null)
            {
                homegate["Sms"] = FakeSections.Sms(prelude);
            }

            edit?.Invoke(config);
        });

    private static JsonObject Section(FakeHomeserver homeserver, string host) => new()
    {
        ["Hosts"] = new JsonArray(host),
        ["Upstream"] = homeserver.ClientUrl,
        ["AdminUrl"] = homeserver.AdminUrl,
        ["AdminPassword"] = homeserver.AdminPassword,
        ["SignupMode"] = homeserver.SignupMode == FakeSignupMode.Open ? "Open" : "TokenRequired",
        ["StartupTimeout"] = "00:00:02",
    };

    protected async Task StartAsync(Action<JsonObject>? edit = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        ConfigFile = WriteSharedConfig(TempDirectory, Db, A, B, Prelude, edit);
        Gateway = await GatewayHost.StartAsync(ConfigFile, services);
    }

    /// <summary>Sends a request to homegate as if it arrived at <paramref name="host"/>.</summary>
    protected Task<HttpResponseMessage> SendAsync(string host, HttpMethod method, string pathAndQuery, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, pathAndQuery) { Content = content };
        request.Headers.Host = host;
        return Gateway.Client.SendAsync(request);
    }

    protected Task<HttpResponseMessage> SignupAsync(string host, string permitOrCode, byte[] authToken) =>
        SendAsync(host, HttpMethod.Post, "/signup?signup_token=" + Uri.EscapeDataString(permitOrCode), new ByteArrayContent(authToken));

    protected Task<HttpResponseMessage> PostJsonAsync(string host, string path, object body) =>
        SendAsync(host, HttpMethod.Post, path, JsonContent.Create(body));

    /// <summary><c>homegate invite --homeserver NAME --format FORMAT</c> against the test's config.</summary>
    protected async Task<string> InviteAsync(string homeserver, string format = "code")
    {
        var (exit, output, error) = await CliRunner.RunAsync("invite", "--config", ConfigFile, "--homeserver", homeserver, "--format", format);
        Assert.True(exit == 0, error);
        return output.Trim();
    }

    /// <summary>send_code then verify_code on <paramref name="host"/>; the successful answer's JSON.</summary>
    protected async Task<JsonElement> VerifyPhoneAsync(string host, string phone, string? pubky = null)
    {
        var sent = await PostJsonAsync(host, "/sms_verification/send_code", pubky is null ? new { phoneNumber = phone } : new { phoneNumber = phone, pubky });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        var verified = await PostJsonAsync(host, "/sms_verification/verify_code", new { phoneNumber = phone, code = Prelude.LastCodeFor(phone) });
        var text = await verified.Content.ReadAsStringAsync();
        Assert.True(verified.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }
}
