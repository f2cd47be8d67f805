using System.Net;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Gateway.Tests.Sms;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Homegate.Gateway.Tests.Page;

/// <summary>The page in a real headless Chromium against the sandbox fakes: both methods from the
/// first screen to a code that then signs up through the gate.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class PageBrowserTests(ITestOutputHelper output) : PageTestBase
{
    private static readonly string CodePattern = "^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$";

    [Fact]
    public async Task Sms_signup_by_keyboard_alone_shows_a_code_that_signs_up_through_the_gate()
    {
        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(JoinUrl);
        output.WriteLine("screenshot: " + await Chromium.ScreenshotAsync(page, "join", 360));
        output.WriteLine("screenshot: " + await Chromium.ScreenshotAsync(page, "join", 1280));
        await page.SetViewportSizeAsync(360, 780);

        // Keyboard only: Tab to the first method, Enter, type, Enter.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("choose-sms", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.PressAsync("Enter");
        var phoneInput = page.Locator("input[type=tel][autocomplete=tel]");
        await phoneInput.WaitForAsync();
        Assert.Equal("phone", await page.EvaluateAsync<string>("document.activeElement.id"));
        var phone = SmsTestHost.NewPhoneNumber();
        await page.Keyboard.TypeAsync(phone[..3] + " " + phone[3..7] + " " + phone[7..]);
        await page.Keyboard.PressAsync("Enter");

        var codeInput = page.Locator("input[autocomplete=one-time-code][inputmode=numeric]");
        await codeInput.WaitForAsync();
        Assert.Equal("sms-code", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.TypeAsync(await WaitForSmsCodeAsync(phone));
        await page.Keyboard.PressAsync("Enter");

        var shown = page.Locator("[data-signup-code]");
        await shown.WaitForAsync();
        var code = (await shown.InnerTextAsync()).Trim();
        Assert.Matches(CodePattern, code);
        var ring = await page.Locator("a[href^='pubkyring://direct_signup?']").GetAttributeAsync("href");
        Assert.Equal($"pubkyring://direct_signup?hs={Homeserver.PublicKeyZ32}&st={code}", ring);
        await page.Locator("#result-qr").WaitForAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.getElementById('result-qr').naturalWidth > 100"));
        Assert.Contains("Valid for", await page.Locator("#result-left").InnerTextAsync(), StringComparison.Ordinal);
        output.WriteLine("screenshot: " + await Chromium.ScreenshotAsync(page, "result", 360));
        output.WriteLine("screenshot: " + await Chromium.ScreenshotAsync(page, "result", 1280));

        var signup = await Host.Client.PostSignupAsync(code, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);
        AssertSameOrigin(browser);
    }

    [Fact]
    public async Task Lightning_payment_flips_the_page_to_the_code_without_a_reload()
    {
        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(JoinUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay with Lightning" }).ClickAsync();
        Assert.Contains("1000 sats", await page.Locator("#ln-price").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show me an invoice" }).ClickAsync();

        var invoiceText = page.Locator("[data-invoice]");
        await invoiceText.WaitForAsync();
        var invoice = (await invoiceText.InnerTextAsync()).Trim();
        var fake = Assert.Single(Phoenixd.Invoices);
        Assert.Equal(fake.Serialized, invoice);
        Assert.Equal("lightning:" + invoice, await page.Locator("a[href^='lightning:']").GetAttributeAsync("href"));
        await Chromium.WaitUntilAsync(page, "document.getElementById('ln-qr').complete && document.getElementById('ln-qr').naturalWidth > 100");
        Assert.Matches(@"expires in \d+:\d\d", await page.Locator("#ln-expiry").InnerTextAsync());
        output.WriteLine("screenshot: " + await Chromium.ScreenshotAsync(page, "invoice", 360));

        // A marker that only survives if the page is never reloaded.
        await page.EvaluateAsync("window.notReloaded = true");
        Assert.True(await Phoenixd.PayAsync(fake.PaymentHash));
        var shown = page.Locator("[data-signup-code]");
        await shown.WaitForAsync(new() { Timeout = 15_000 });
        Assert.True(await page.EvaluateAsync<bool>("window.notReloaded === true"));
        var code = (await shown.InnerTextAsync()).Trim();
        Assert.Matches(CodePattern, code);

        var signup = await Host.Client.PostSignupAsync(code, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);
        AssertSameOrigin(browser);
    }

    private void AssertSameOrigin(Chromium browser)
    {
        var origin = Host.BaseUrl.GetLeftPart(UriPartial.Authority);
        List<string> requests;
        lock (browser.Requests)
        {
            requests = [.. browser.Requests];
        }

        Assert.NotEmpty(requests);
        foreach (var url in requests)
        {
            output.WriteLine("request: " + (url.Length > 120 ? url[..120] + "…" : url));
            Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("blob:" + origin + "/", StringComparison.Ordinal),
                $"the page requested {url}, outside {origin}");
        }
    }

    private async Task<string> WaitForSmsCodeAsync(string phone)
    {
        for (var i = 0; i < 100; i++)
        {
            if (Prelude.LastCodeFor(phone) is { } code)
            {
                return code;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The fake Prelude never received a send for the number.");
    }
}
