using System.Net;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Page;

/// <summary>The invitation landing in Chromium: it shows the code, the Ring button and whether the
/// invitation is still unused, without consuming it.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class InviteBrowserTests : PageTestBase
{
    [Fact]
    public async Task Invite_landing_shows_the_code_as_unused_then_as_used_after_the_signup()
    {
        var claims = Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null, TimeSpan.FromDays(7)).Claims;
        var code = await Host.Services.GetRequiredService<SignupCodeIssuer>().IssueAsync(claims, CancellationToken.None);

        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(new Uri(Host.BaseUrl, "invite/" + code.ToLowerInvariant()).ToString());
        Assert.Equal(code, (await page.Locator("[data-signup-code]").InnerTextAsync()).Trim());
        Assert.Equal($"pubkyring://direct_signup?hs={Homeserver.PublicKeyZ32}&st={code}",
            await page.Locator("a[href^='pubkyring://direct_signup?']").GetAttributeAsync("href"));
        await Chromium.WaitUntilAsync(page, "document.getElementById('invite-state').textContent.length > 0");
        Assert.StartsWith("This invitation is unused. It is valid until", await page.Locator("#invite-state").InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.WaitUntilAsync(page, "document.getElementById('result-qr').naturalWidth > 100");
        await Chromium.ScreenshotAsync(page, "invite", 360);

        // Looking did not consume it: the code still signs up, once.
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).StatusCode);

        await page.ReloadAsync();
        var alert = page.Locator("#alert[role=alert]");
        await alert.WaitForAsync();
        Assert.Equal("This invitation has already been used.", await alert.InnerTextAsync());
        Assert.False(await page.Locator("a[href^='pubkyring://']").IsVisibleAsync());
    }
}
