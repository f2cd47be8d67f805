using System.Net;
using System.Text.Json.Nodes;
using Homegate.Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Homegate.Gateway.Tests.Page;

/// <summary>Lightning timing on the page with short settings: /await times out every second and
/// invoices expire after a few seconds, so the page must ask again, notice expiry and start over.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class PageLightningTimingTests : PageTestBase
{
    protected override void Configure(JsonObject homegate)
    {
        homegate["Lightning"]!["AwaitTimeoutSeconds"] = 1;
        homegate["Lightning"]!["InvoiceExpirySeconds"] = 4;
    }

    [Fact]
    public async Task Expired_invoice_offers_a_new_one_which_is_awaited_across_timeouts_until_paid()
    {
        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(JoinUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay with Lightning" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show me an invoice" }).ClickAsync();
        var first = (await page.Locator("[data-invoice]").InnerTextAsync()).Trim();

        var again = page.GetByRole(AriaRole.Button, new() { Name = "Get a new invoice" });
        await again.WaitForAsync(new() { Timeout = 15_000 });
        Assert.Contains("expired", await page.Locator("#ln-expired-text").InnerTextAsync(), StringComparison.Ordinal);
        Assert.False(await page.Locator("[data-invoice]").IsVisibleAsync());
        await again.ClickAsync();

        await Chromium.WaitUntilAsync(page, $"(document.querySelector('[data-invoice]').textContent || '') !== '{first}' && !document.getElementById('ln-invoice').hidden");
        var second = (await page.Locator("[data-invoice]").InnerTextAsync()).Trim();
        var invoice = Assert.Single(Phoenixd.Invoices, i => i.Serialized == second);

        // Let /await time out (1 s) at least twice before paying; the page keeps asking.
        var before = AwaitRequests(browser);
        await Task.Delay(2500);
        Assert.True(AwaitRequests(browser) >= before + 2, "the page did not ask /await again after a timeout");
        Assert.True(await Phoenixd.PayAsync(invoice.PaymentHash));
        var shown = page.Locator("[data-signup-code]");
        await shown.WaitForAsync(new() { Timeout = 10_000 });

        var signup = await Host.Client.PostSignupAsync((await shown.InnerTextAsync()).Trim(), Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
    }

    private static int AwaitRequests(Chromium browser)
    {
        lock (browser.Requests)
        {
            return browser.Requests.Count(r => r.EndsWith("/await", StringComparison.Ordinal));
        }
    }
}
