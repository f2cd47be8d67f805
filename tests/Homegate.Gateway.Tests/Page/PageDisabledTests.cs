using System.Net;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Page;

/// <summary>Without SMS or Lightning the page is off by default, but its paths stay homegate's, and
/// the invitation landing (invitations need no method) is still served.</summary>
public sealed class PageDisabledTests : HomeserverTestBase
{
    [Fact]
    public async Task Page_is_off_without_methods_yet_never_forwarded_and_invite_landing_still_served()
    {
        await using var host = await GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver));
        using var page = await host.Client.GetAsync("/join");
        await page.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        using var invite = await host.Client.GetAsync("/invite/ABCD-EFGH-JKMN");
        Assert.Equal(HttpStatusCode.OK, invite.StatusCode);
        Assert.Equal("text/html", invite.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Invalid_branding_refuses_to_start_naming_the_key()
    {
        var file = GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
            config["Homegate"]!["Page"] = new System.Text.Json.Nodes.JsonObject { ["AccentColor"] = "red; background: url(x)" });
        var e = await Assert.ThrowsAsync<Homegate.Gateway.Configuration.ConfigurationProblemException>(() => GatewayHost.StartAsync(file));
        Assert.Contains("Homegate:Page:AccentColor", e.Message, StringComparison.Ordinal);
    }
}
