using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Page;

/// <summary>The page's HTTP surface: headers, form semantics, assets and caching, QR images, and
/// the page prefixes never reaching the homeserver.</summary>
public sealed partial class PageEndpointTests : HomeserverTestBase
{
    private FakePhoenixd _phoenixd = null!;
    private GatewayHost _host = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _phoenixd = await FakePhoenixd.StartAsync();
        _host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
            config["Homegate"]!["Lightning"] = FakeSections.Lightning(_phoenixd)));
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _phoenixd.DisposeAsync();
        await base.DisposeAsync();
    }

    [GeneratedRegex("<script(?![^>]*\\b(?:src=|type=\"application/json\"))[^>]*>")]
    private static partial Regex InlineScript();

    [GeneratedRegex("src=\"(/join/assets/page\\.[0-9a-f]{12}\\.js)\"")]
    private static partial Regex ScriptSource();

    [Fact]
    public async Task Join_page_is_served_with_a_strict_policy_and_the_standard_form_semantics()
    {
        using var answer = await _host.Client.GetAsync("/join");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
        var csp = answer.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        Assert.True(answer.Headers.CacheControl?.NoStore);

        var html = await answer.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.Contains("type=\"tel\" autocomplete=\"tel\"", html, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"one-time-code\" inputmode=\"numeric\"", html, StringComparison.Ordinal);
        Assert.Contains("data-signup-code", html, StringComparison.Ordinal);
        Assert.Contains("data-invoice", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Assets_have_hashed_names_an_immutable_cache_and_an_etag()
    {
        var html = await _host.Client.GetStringAsync("/join");
        var script = ScriptSource().Match(html).Groups[1].Value;
        Assert.NotEmpty(script);

        using var first = await _host.Client.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/javascript", first.Content.Headers.ContentType?.MediaType);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.Equal(TimeSpan.FromDays(365), first.Headers.CacheControl?.MaxAge);
        Assert.Contains("immutable", first.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var etag = first.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, script);
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _host.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var stale = await _host.Client.GetAsync("/join/assets/page.000000000000.js");
        await stale.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Empty(Homeserver.Requests);
    }

    [Theory]
    [InlineData("POST", "/join", HttpStatusCode.MethodNotAllowed, "method-not-allowed")]
    [InlineData("GET", "/join/anything", HttpStatusCode.NotFound, "not-found")]
    [InlineData("PUT", "/join/assets/page.js", HttpStatusCode.NotFound, "not-found")]
    [InlineData("GET", "/JOIN/x/y", HttpStatusCode.NotFound, "not-found")]
    [InlineData("GET", "/invite", HttpStatusCode.NotFound, "not-found")]
    [InlineData("GET", "/join//x", HttpStatusCode.NotFound, "not-found")]
    [InlineData("GET", "/%6Aoin/x", HttpStatusCode.NotFound, "not-found")]
    [InlineData("DELETE", "/invite/ABCD-EFGH-JKMN/x", HttpStatusCode.NotFound, "not-found")]
    public async Task Nothing_under_the_page_paths_reaches_the_homeserver(string method, string path, HttpStatusCode status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("x") };
        using var answer = await _host.Client.SendAsync(request);
        await answer.AssertProblemAsync(status, code);
        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Qr_images_are_svg_rendered_here_and_the_ring_code_travels_only_in_the_body()
    {
        using var created = await _host.Client.PostAsync("/ln_verification", null);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["verificationId"]!.GetValue<string>();
        using var invoice = await _host.Client.GetAsync($"/join/qr/ln/{id}");
        Assert.Equal(HttpStatusCode.OK, invoice.StatusCode);
        Assert.Equal("image/svg+xml", invoice.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await invoice.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var unknown = await _host.Client.GetAsync($"/join/qr/ln/{Guid.NewGuid()}");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        using var ring = await _host.Client.PostAsync("/join/qr/ring", Json("{\"code\":\"abcd-efgh-jkmn\"}"));
        Assert.Equal(HttpStatusCode.OK, ring.StatusCode);
        Assert.Equal("image/svg+xml", ring.Content.Headers.ContentType?.MediaType);
        Assert.True(ring.Headers.CacheControl?.NoStore);

        using var bad = await _host.Client.PostAsync("/join/qr/ring", Json("{\"code\":\"not a code\"}"));
        await bad.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        using var huge = await _host.Client.PostAsync("/join/qr/ring", Json("{\"code\":\"" + new string('A', 5000) + "\"}"));
        await huge.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Invite_landing_renders_code_and_ring_link_and_refuses_a_malformed_code()
    {
        var html = await _host.Client.GetStringAsync("/invite/abcd-efgh-jkmn");
        Assert.Contains(">ABCD-EFGH-JKMN</p>", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"pubkyring://direct_signup?hs={Homeserver.PublicKeyZ32}&amp;st=ABCD-EFGH-JKMN\"", html, StringComparison.Ordinal);

        using var malformed = await _host.Client.GetAsync("/invite/not-a-code");
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.Equal("text/html", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Homeserver.Requests);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
