using System.Text.Json.Nodes;
using Homegate.Gateway.Tests.Page;
using Microsoft.Playwright;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>One Chromium, two host names: the browser resolves <c>a.test</c> and <c>b.test</c> to homegate
/// (<c>--host-resolver-rules</c>), so each page is loaded, styled and scripted as that homeserver's.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class SharedPageBrowserTests : SharedPageTestBase
{
    [Fact]
    public async Task Each_host_renders_its_homeservers_page_and_b_offers_no_sms_button()
    {
        await StartPagesAsync(config =>
        {
            var b = config["Homegate"]!["Homeservers"]!["b"]!.AsObject();
            b["Verifications"] = new JsonArray("Lightning");
            b["Lightning"] = new JsonObject { ["DefaultAmountSat"] = 2100 };
        });
        var port = Gateway.BaseUrl.Port;
        await using var browser = await Chromium.StartAsync(extraArgs: [$"--host-resolver-rules=MAP {HostA} 127.0.0.1, MAP {HostB} 127.0.0.1"]);

        var alpha = await browser.OpenAsync($"http://{HostA}:{port}/join");
        Assert.Equal("Alpha Home", await alpha.TitleAsync());
        await alpha.Locator("#choose-sms").WaitForAsync();
        Assert.True(await alpha.Locator("#choose-sms").IsVisibleAsync());
        Assert.True(await alpha.Locator("#choose-ln").IsVisibleAsync());
        Assert.Equal("#112233", (await alpha.EvaluateAsync<string>("getComputedStyle(document.documentElement).getPropertyValue('--accent')")).Trim());
        Assert.Equal(AlphaLogo, await alpha.Locator("img.logo").GetAttributeAsync("src"));

        var beta = await browser.OpenAsync($"http://{HostB}:{port}/join");
        Assert.Equal("Beta Home", await beta.TitleAsync());
        await beta.Locator("#choose-ln").WaitForAsync();
        Assert.False(await beta.Locator("#choose-sms").IsVisibleAsync());
        Assert.False(await beta.Locator("#no-method").IsVisibleAsync());
        Assert.Equal("#445566", (await beta.EvaluateAsync<string>("getComputedStyle(document.documentElement).getPropertyValue('--accent')")).Trim());
        await beta.GetByRole(AriaRole.Button, new() { Name = "Pay with Lightning" }).ClickAsync();
        Assert.Contains("2100 sats", await beta.Locator("#ln-price").InnerTextAsync(), StringComparison.Ordinal);
    }
}
