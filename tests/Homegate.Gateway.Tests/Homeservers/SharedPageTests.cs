using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Homegate.Gateway.Cli;
using Homegate.Gateway.Configuration;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>The verification page with several homeservers (HTTP level): each host's page carries its
/// homeserver's branding, methods and price; its <c>Page</c> values are checked like <c>Homegate:Page</c>.</summary>
public sealed class SharedPageTests : SharedPageTestBase
{
    private static string Encoded(string text) => HtmlEncoder.Default.Encode(text);

    [Fact]
    public async Task Each_host_shows_its_homeservers_branding_and_unset_values_fall_back_to_the_homegate_page()
    {
        await StartPagesAsync();
        var (_, alpha) = await PageAsync(HostA);
        var (_, beta) = await PageAsync(HostB);

        Assert.Contains("<title>Alpha Home</title>", alpha, StringComparison.Ordinal);
        Assert.Contains("<h1>Alpha Home</h1>", alpha, StringComparison.Ordinal);
        Assert.Equal("#112233", Data(alpha).GetProperty("accent").GetString());
        Assert.Contains($"class=\"logo\" src=\"{Encoded(AlphaLogo)}\"", alpha, StringComparison.Ordinal);
        Assert.Contains(Encoded("This homeserver is run by Shared Operators."), alpha, StringComparison.Ordinal);
        Assert.Contains($"href=\"{Encoded("https://shared.example/terms")}\"", alpha, StringComparison.Ordinal);
        Assert.DoesNotContain("Beta", alpha, StringComparison.Ordinal);

        Assert.Contains("<title>Beta Home</title>", beta, StringComparison.Ordinal);
        Assert.Equal("#445566", Data(beta).GetProperty("accent").GetString());
        Assert.Contains($"class=\"logo\" src=\"{Encoded("/beta-logo.png")}\"", beta, StringComparison.Ordinal);
        Assert.Contains(Encoded("This homeserver is run by Beta Ltd."), beta, StringComparison.Ordinal);
        Assert.Contains($"href=\"{Encoded("https://shared.example/terms")}\"", beta, StringComparison.Ordinal);
        Assert.DoesNotContain("Alpha", beta, StringComparison.Ordinal);
        Assert.DoesNotContain(AlphaLogo, beta, StringComparison.Ordinal);

        // Each page names its own homeserver's key.
        Assert.Equal(A.PublicKeyZ32, Data(alpha).GetProperty("homeserverPubky").GetString());
        Assert.Equal(B.PublicKeyZ32, Data(beta).GetProperty("homeserverPubky").GetString());
        Assert.Empty(A.Requests);
        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task An_absolute_logos_origin_is_allowed_in_img_src_on_its_homeservers_pages_only()
    {
        await StartPagesAsync();
        foreach (var path in new[] { "/join", "/invite/ABCD-EFGH-JKMN" })
        {
            var (onA, _) = await PageAsync(HostA, path);
            var (onB, _) = await PageAsync(HostB, path);
            Assert.Equal("img-src 'self' blob: https://cdn.alpha.example", ImageSources(onA));
            Assert.Equal("img-src 'self' blob:", ImageSources(onB));
        }
    }

    [Fact]
    public async Task The_invitation_landing_carries_the_branding_and_ring_link_of_the_hosts_homeserver()
    {
        await StartPagesAsync();
        var (_, alpha) = await PageAsync(HostA, "/invite/abcd-efgh-jkmn");
        var (_, beta) = await PageAsync(HostB, "/invite/abcd-efgh-jkmn");
        Assert.Contains("<title>You are invited · Alpha Home</title>", alpha, StringComparison.Ordinal);
        Assert.Contains($"href=\"pubkyring://direct_signup?hs={A.PublicKeyZ32}&amp;st=ABCD-EFGH-JKMN\"", alpha, StringComparison.Ordinal);
        Assert.Contains("<title>You are invited · Beta Home</title>", beta, StringComparison.Ordinal);
        Assert.Contains($"href=\"pubkyring://direct_signup?hs={B.PublicKeyZ32}&amp;st=ABCD-EFGH-JKMN\"", beta, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_homeserver_offering_only_lightning_gets_a_page_without_sms_at_its_own_price()
    {
        await StartPagesAsync(config =>
        {
            var b = config["Homegate"]!["Homeservers"]!["b"]!.AsObject();
            b["Verifications"] = new JsonArray("Lightning");
            b["Lightning"] = new JsonObject { ["DefaultAmountSat"] = 2100 };
        });
        var alpha = Data((await PageAsync(HostA)).Html);
        var beta = Data((await PageAsync(HostB)).Html);

        Assert.True(alpha.GetProperty("sms").GetBoolean());
        Assert.True(alpha.GetProperty("lightning").GetBoolean());
        Assert.Equal(1000, alpha.GetProperty("amountSat").GetInt64());

        Assert.False(beta.GetProperty("sms").GetBoolean());
        Assert.True(beta.GetProperty("lightning").GetBoolean());
        Assert.Equal(2100, beta.GetProperty("amountSat").GetInt64());
    }

    [Fact]
    public async Task A_homeserver_offering_no_method_enabled_here_gets_a_page_that_says_so()
    {
        // Lightning is off homegate-wide, and b offers only Lightning: nothing is left for b.
        await StartPagesAsync(config => config["Homegate"]!["Homeservers"]!["b"]!["Verifications"] = new JsonArray("Lightning"), lightning: false);
        var alpha = Data((await PageAsync(HostA)).Html);
        var (_, betaHtml) = await PageAsync(HostB);
        var beta = Data(betaHtml);

        Assert.True(alpha.GetProperty("sms").GetBoolean());
        Assert.False(alpha.GetProperty("lightning").GetBoolean());
        Assert.False(beta.GetProperty("sms").GetBoolean());
        Assert.False(beta.GetProperty("lightning").GetBoolean());
        Assert.Contains("id=\"no-method\"", betaHtml, StringComparison.Ordinal);
        Assert.Contains(Encoded(beta.GetProperty("text").GetProperty("method.none").GetString()!), betaHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qr_images_answer_on_each_host_and_an_invoice_only_on_its_own_homeservers_host()
    {
        await StartPagesAsync();
        var created = await PostJsonAsync(HostA, "/ln_verification", new { });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["verificationId"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HostA, HttpMethod.Get, $"/join/qr/ln/{id}")).StatusCode);
        await (await SendAsync(HostB, HttpMethod.Get, $"/join/qr/ln/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        foreach (var host in new[] { HostA, HostB })
        {
            var ring = await PostJsonAsync(host, "/join/qr/ring", new { code = "ABCD-EFGH-JKMN" });
            Assert.Equal(HttpStatusCode.OK, ring.StatusCode);
            Assert.Equal("image/svg+xml", ring.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task While_a_homeservers_key_is_unknown_its_page_renders_and_its_invitation_landing_answers_503()
    {
        await A.StopAdminApiAsync();
        await StartPagesAsync();
        var (_, alpha) = await PageAsync(HostA);
        Assert.Contains("<title>Alpha Home</title>", alpha, StringComparison.Ordinal);
        Assert.Equal("", Data(alpha).GetProperty("homeserverPubky").GetString());
        await (await SendAsync(HostA, HttpMethod.Get, "/invite/ABCD-EFGH-JKMN")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "homeserver-unavailable");
        await (await PostJsonAsync(HostA, "/join/qr/ring", new { code = "ABCD-EFGH-JKMN" })).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "homeserver-unavailable");
        Assert.Contains(B.PublicKeyZ32, (await PageAsync(HostB, "/invite/ABCD-EFGH-JKMN")).Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccentColor", "red; background: url(x)", "Homegate:Homeservers:b:Page:AccentColor")]
    [InlineData("LogoUrl", "javascript:alert(1)", "Homegate:Homeservers:b:Page:LogoUrl")]
    [InlineData("TermsUrl", "//evil.example/terms", "Homegate:Homeservers:b:Page:TermsUrl")]
    [InlineData("AccentColour", "#112233", "Homegate:Homeservers:b:Page:AccentColour is not a page setting")]
    public async Task A_bad_or_unknown_page_value_of_one_homeserver_is_refused_naming_its_key(string key, string value, string expected)
    {
        var file = WritePageConfig(config => config["Homegate"]!["Homeservers"]!["b"]!["Page"]![key] = value);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await HomegateCli.RunAsync(["check-config", "--config", file], output, error);
        Assert.Equal(1, exit);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Homegate:Homeservers:a", error.ToString(), StringComparison.Ordinal);

        var serve = await Assert.ThrowsAsync<ConfigurationProblemException>(() => GatewayHost.StartAsync(file));
        Assert.Contains(expected, serve.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_prints_each_homeservers_page_values()
    {
        var file = WritePageConfig();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await HomegateCli.RunAsync(["check-config", "--config", file], output, error);
        Assert.True(exit == 0, error.ToString());
        Assert.Contains("Title Alpha Home", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("AccentColor #445566", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_changes_a_homeservers_branding_and_a_bad_value_is_refused_keeping_the_previous()
    {
        await StartPagesAsync();
        WritePageConfig(config => config["Homegate"]!["Homeservers"]!["a"]!["Page"]!["Title"] = "Alpha Renamed");
        for (var i = 0; i < 50 && !(await PageAsync(HostA)).Html.Contains("<title>Alpha Renamed</title>", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
        }

        Assert.Contains("<title>Alpha Renamed</title>", (await PageAsync(HostA)).Html, StringComparison.Ordinal);

        // A bad colour next to a new title: the whole reload is refused, the previous branding stays.
        WritePageConfig(config =>
        {
            var page = config["Homegate"]!["Homeservers"]!["a"]!["Page"]!;
            page["Title"] = "Alpha Broken";
            page["AccentColor"] = "not-a-colour";
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (response, html) = await PageAsync(HostA);
        Assert.Contains("<title>Alpha Renamed</title>", html, StringComparison.Ordinal);
        Assert.Equal("#112233", Data(html).GetProperty("accent").GetString());
        Assert.Equal("img-src 'self' blob: https://cdn.alpha.example", ImageSources(response));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
