using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Gateway.Tests.Sms;
using Microsoft.Playwright;

namespace Homegate.Gateway.Tests.Page;

/// <summary>Refusals as a browser sees them: a limit in words, return URLs allowed and refused, and a
/// refused signup read by a script on another origin (credentials included).</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class PageRefusalBrowserTests : PageTestBase
{
    protected override void Configure(JsonObject homegate) =>
        homegate["Sms"]!["MaxVerificationsPerWeek"] = 1;

    [Fact]
    public async Task Weekly_limit_is_shown_in_words_with_the_time_until_the_next_try()
    {
        var phone = SmsTestHost.NewPhoneNumber();
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = Prelude.LastCodeFor(phone) })).StatusCode);

        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(JoinUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify with a text message (SMS)" }).ClickAsync();
        await page.Locator("input[type=tel]").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a code" }).ClickAsync();

        var alert = page.Locator("#alert[role=alert]");
        await alert.WaitForAsync();
        var text = await alert.InnerTextAsync();
        Assert.Equal("This number has already been used for the most signups allowed in a week. You can try again in 7 days.", text);
        Assert.False(await page.Locator("[data-signup-code]").IsVisibleAsync());
    }

    [Fact]
    public async Task Allowed_return_to_receives_code_homeserver_and_state_in_the_fragment()
    {
        await using var browser = await Chromium.StartAsync();
        var back = AppOrigin + "/back?from=page";
        var page = await browser.OpenAsync($"{JoinUrl}?return_to={Uri.EscapeDataString(back)}&state={Uri.EscapeDataString("x y'z")}");
        Assert.False(await page.Locator("#notice").IsVisibleAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay with Lightning" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show me an invoice" }).ClickAsync();
        await page.Locator("[data-invoice]").WaitForAsync();
        Assert.True(await Phoenixd.PayAsync(Assert.Single(Phoenixd.Invoices).PaymentHash));

        await page.WaitForURLAsync(AppOrigin + "/back**", new() { Timeout = 15_000 });
        var url = new Uri(page.Url);
        Assert.Equal("?from=page", url.Query);
        var fragment = url.Fragment.TrimStart('#').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Matches("^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", fragment["signup_code"]);
        Assert.Equal(Homeserver.PublicKeyZ32, fragment["homeserver"]);
        Assert.Equal("x y'z", fragment["state"]);

        var signup = await Host.Client.PostSignupAsync(fragment["signup_code"], Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, signup.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/back", "evil.example")]
    [InlineData("APP/backdoor", "127.0.0.1")]
    [InlineData("APP/back@evil.example", "127.0.0.1")]
    public async Task Foreign_return_to_is_refused_in_words_and_never_followed(string returnTo, string host)
    {
        returnTo = returnTo.Replace("APP", AppOrigin, StringComparison.Ordinal);
        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync($"{JoinUrl}?return_to={Uri.EscapeDataString(returnTo)}&state=s");
        var notice = page.Locator("#notice[role=alert]");
        await notice.WaitForAsync();
        Assert.Contains($"({host})", await notice.InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pay with Lightning" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show me an invoice" }).ClickAsync();
        await page.Locator("[data-invoice]").WaitForAsync();
        Assert.True(await Phoenixd.PayAsync(Assert.Single(Phoenixd.Invoices).PaymentHash));
        await page.Locator("[data-signup-code]").WaitForAsync(new() { Timeout = 15_000 });
        Assert.StartsWith(JoinUrl, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(browser.Requests, r => !r.Contains(Host.BaseUrl.Authority, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Script_on_another_origin_reads_a_refused_signup_with_credentials_included()
    {
        var permit = Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).StatusCode);

        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(AppOrigin + "/app");
        var target = new Uri(Host.BaseUrl, "signup?signup_token=" + Uri.EscapeDataString(permit)).ToString();
        var body = Convert.ToBase64String(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow));
        var answer = await page.EvaluateAsync<JsonElement>(
            @"async ([url, b64]) => {
                const body = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                const r = await fetch(url, { method: 'POST', body, credentials: 'include' });
                const problem = await r.json();
                return { status: r.status, code: problem.code };
            }",
            new object[] { target, body });
        Assert.Equal(409, answer.GetProperty("status").GetInt32());
        Assert.Equal("permit-already-used", answer.GetProperty("code").GetString());
    }
}
