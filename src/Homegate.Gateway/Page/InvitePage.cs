using Homegate.Gateway.Problems;
using Homegate.Verification.Redemptions;

namespace Homegate.Gateway.Page;

/// <summary>
/// <c>GET /invite/{code}</c>: the invitation landing page. It shows the code, the homeserver, the
/// Pubky Ring button and QR; whether the code is still unused comes from the JSON endpoint
/// <c>GET /invite/{code}/status</c>, which the page's script calls (it never consumes the code).
/// </summary>
internal static class InvitePage
{
    /// <summary>The code in canonical form (trimmed, upper case, read-alikes folded), or null when it
    /// cannot be a homegate signup code.</summary>
    internal static string? Normalize(string? code) =>
        SignupCodes.TryCanonicalize(code, out var canonical) ? canonical : null;

    /// <summary>The Pubky Ring deep link that signs a new key up to this homeserver with the code.</summary>
    internal static string RingLink(string homeserverPubky, string code) =>
        $"pubkyring://direct_signup?hs={Uri.EscapeDataString(homeserverPubky)}&st={Uri.EscapeDataString(code)}";

    public static IResult RenderAsync(string code, HttpContext context, PageRenderer renderer)
    {
        var page = PageFeature.Context(context);
        if (page.HomeserverPubky.Length == 0)
        {
            return Unavailable();
        }

        var normalized = Normalize(code);
        var html = renderer.Invite(page, normalized, normalized is null ? null : RingLink(page.HomeserverPubky, normalized), json =>
        {
            if (normalized is not null)
            {
                json.WriteString("code", normalized);
                json.WriteString("status", $"{PageFeature.InvitePrefix}/{normalized}/status");
            }
        });
        return PageHeaders.Html(context, page.Branding, html, normalized is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK);
    }

    /// <summary>The homeserver's key is not known yet (its admin API has not answered since the start):
    /// no Ring link can be made for it.</summary>
    internal static IResult Unavailable() =>
        HomegateProblem.Result(StatusCodes.Status503ServiceUnavailable, "homeserver-unavailable", "Homeserver unavailable",
            "This homeserver's admin API has not been reachable since homegate started; try again shortly.", TimeSpan.FromSeconds(5));
}
