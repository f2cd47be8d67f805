using Homegate.Gateway.Homeservers;
using Homegate.Verification.Lightning;
using Homegate.Verification.Sms;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Page;

/// <summary><c>GET /join</c>: the methods offered (enabled here and, with several homeservers, offered by the
/// host's homeserver), its Lightning price, and the decision on <c>?return_to=</c> (allowed URL, or the
/// refused host to name), rendered into the page.</summary>
internal static class JoinPage
{
    private const int MaxStateLength = 512;

    public static IResult RenderAsync(HttpContext context, PageRenderer renderer, ReturnUrlPolicy returnUrls,
        IOptionsMonitor<SmsOptions> sms, IOptionsMonitor<LightningOptions> lightning)
    {
        if (!PageFeature.IsEnabled(context.RequestServices))
        {
            return PageFeature.NotFound();
        }

        var page = PageFeature.Context(context);
        var homeserver = context.Features.Get<HomeserverEntry>();
        var offersSms = sms.CurrentValue.IsEnabled && homeserver?.Offers(HomeserversConfig.SmsVerification) != false;
        var offersLightning = lightning.CurrentValue.IsEnabled && homeserver?.Offers(HomeserversConfig.LightningVerification) != false;
        var price = homeserver?.Options.Lightning.DefaultAmountSat ?? lightning.CurrentValue.DefaultAmountSat;
        var query = context.Request.Query;
        var decision = returnUrls.Decide(query["return_to"].ToString());
        var state = query["state"].ToString();
        var stateTooLong = state.Length > MaxStateLength;
        var html = renderer.Join(page, json =>
        {
            json.WriteBoolean("sms", offersSms);
            json.WriteBoolean("lightning", offersLightning);
            json.WriteNumber("amountSat", price);
            json.WriteNumber("resendSeconds", 30);
            if (decision.Allowed is { } target && !stateTooLong)
            {
                json.WriteString("returnTo", target.AbsoluteUri);
                json.WriteString("returnHost", target.Host);
                json.WriteString("state", state);
            }
            else if (decision.Present)
            {
                json.WriteBoolean("returnRefused", true);
                if (decision.RefusedHost is { } host && !stateTooLong)
                {
                    json.WriteString("returnHost", host);
                }
            }
        });
        return PageHeaders.Html(context, page.Branding, html);
    }
}
