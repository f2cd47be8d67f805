using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>
/// Two homeservers behind one homegate with the verification page: <c>Homegate:Page</c> for everyone, and
/// each homeserver's own <c>Page</c> values on top. SMS (fake Prelude) is on; Lightning (fake PhoenixD)
/// too unless a test switches it off.
/// </summary>
public abstract partial class SharedPageTestBase : SharedHomegateTestBase
{
    public const string AlphaLogo = "https://cdn.alpha.example/brand/logo.svg";

    protected FakePhoenixd Phoenixd { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Phoenixd = await FakePhoenixd.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Phoenixd.DisposeAsync();
    }

    /// <summary>Edits that make the shared config: homegate-wide page settings, <c>a</c> titled "Alpha Home" with its own
    /// colour and an absolute logo, <c>b</c> titled "Beta Home" with its own colour, operator and a
    /// same-origin logo; then <paramref name="edit"/>.</summary>
    protected Action<JsonObject> PageConfig(Action<JsonObject>? edit = null, bool lightning = true) =>
        config =>
        {
            var homegate = config["Homegate"]!.AsObject();
            if (lightning)
            {
                homegate["Lightning"] = FakeSections.Lightning(Phoenixd);
            }

            homegate["Page"] = new JsonObject
            {
                ["Title"] = "Shared Gate",
                ["OperatorName"] = "Shared Operators",
                ["TermsUrl"] = "https://shared.example/terms",
            };
            homegate["Homeservers"]!["a"]!["Page"] = new JsonObject
            {
                ["Title"] = "Alpha Home",
                ["AccentColor"] = "#112233",
                ["LogoUrl"] = AlphaLogo,
            };
            homegate["Homeservers"]!["b"]!["Page"] = new JsonObject
            {
                ["title"] = "Beta Home",
                ["AccentColor"] = "#445566",
                ["OperatorName"] = "Beta Ltd",
                ["LogoUrl"] = "/beta-logo.png",
            };
            edit?.Invoke(config);
        };

    /// <summary>Writes the config file (a reload when homegate runs) and returns its path.</summary>
    protected string WritePageConfig(Action<JsonObject>? edit = null, bool lightning = true) =>
        WriteSharedConfig(TempDirectory, Db, A, B, Prelude, PageConfig(edit, lightning));

    protected Task StartPagesAsync(Action<JsonObject>? edit = null, bool lightning = true) => StartAsync(PageConfig(edit, lightning));

    [GeneratedRegex("<script type=\"application/json\" id=\"hg-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex PageData();

    /// <summary>GET <paramref name="path"/> on <paramref name="host"/>: the answer and its HTML.</summary>
    protected async Task<(HttpResponseMessage Response, string Html)> PageAsync(string host, string path = "/join")
    {
        var response = await SendAsync(host, HttpMethod.Get, path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{host}{path}: {(int)response.StatusCode} {html}");
        return (response, html);
    }

    /// <summary>The page's data block (methods, price, accent…).</summary>
    protected static JsonElement Data(string html)
    {
        var match = PageData().Match(html);
        Assert.True(match.Success, "the page has no data block");
        using var json = JsonDocument.Parse(match.Groups[1].Value);
        return json.RootElement.Clone();
    }

    protected static string ImageSources(HttpResponseMessage response)
    {
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var images = csp.Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith("img-src ", StringComparison.Ordinal));
        return images;
    }
}
