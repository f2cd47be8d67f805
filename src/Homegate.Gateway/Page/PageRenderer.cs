using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Homegate.Gateway.Page;

/// <summary>
/// Fills the embedded HTML templates: <c>{{t:key}}</c> with the page text (HTML-encoded), the other
/// slots with values prepared here. Page data for the script travels in a
/// <c>&lt;script type="application/json"&gt;</c> block (not executed, so the CSP needs no inline script);
/// System.Text.Json escapes <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c>, so nothing can close that block.
/// </summary>
internal sealed partial class PageRenderer(PageAssets assets)
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    private readonly string _joinTemplate = PageAssets.ReadText("join.html");
    private readonly string _inviteTemplate = PageAssets.ReadText("invite.html");

    [GeneratedRegex(@"\{\{([a-z:.\-]+)\}\}")]
    private static partial Regex Slot();

    public string Join(PageContext page, Action<Utf8JsonWriter> data)
        => Fill(_joinTemplate, page, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["data"] = Data(page, "join", data),
        });

    public string Invite(PageContext page, string? code, string? ringLink, Action<Utf8JsonWriter> data)
        => Fill(_inviteTemplate, page, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["data"] = Data(page, "invite", data),
            ["code"] = Html.Encode(code ?? ""),
            ["ring"] = Html.Encode(ringLink ?? "pubkyring://direct_signup"),
            ["homeserver"] = Html.Encode(page.Text["result.homeserver"].Replace("{homeserver}", page.HomeserverPubky, StringComparison.Ordinal)),
            ["invite-hidden"] = code is null ? "hidden" : "",
        });

    private string Fill(string template, PageContext page, Dictionary<string, string> slots)
    {
        slots["title"] = Html.Encode(page.Title);
        slots["css"] = Html.Encode($"{page.BasePath}/assets/{assets.HashedName("page.css")}");
        slots["js"] = Html.Encode($"{page.BasePath}/assets/{assets.HashedName("page.js")}");
        slots["logo"] = page.Branding.LogoUrl is { Length: > 0 } logo
            ? $"<img class=\"logo\" src=\"{Html.Encode(logo)}\" alt=\"{Html.Encode(page.Branding.OperatorName ?? "")}\">"
            : "";
        slots["footer"] = Footer(page);
        return Slot().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith("t:", StringComparison.Ordinal))
            {
                return Html.Encode(page.Text[name[2..]]);
            }

            return slots.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"Template slot {name} has no value.");
        });
    }

    private static string Footer(PageContext page)
    {
        var footer = new StringBuilder();
        if (page.Branding.OperatorName is { Length: > 0 } name)
        {
            footer.Append("<p>").Append(Html.Encode(page.Text["operator"].Replace("{name}", name, StringComparison.Ordinal))).Append("</p>");
        }

        if (page.Branding.TermsUrl is { Length: > 0 } terms)
        {
            footer.Append("<p><a href=\"").Append(Html.Encode(terms)).Append("\" rel=\"noopener noreferrer\">")
                .Append(Html.Encode(page.Text["terms"])).Append("</a></p>");
        }

        return footer.ToString();
    }

    private static string Data(PageContext page, string view, Action<Utf8JsonWriter> data)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            json.WriteStartObject();
            json.WriteString("view", view);
            json.WriteString("base", page.BasePath);
            json.WriteString("accent", page.Branding.AccentColor);
            json.WriteString("homeserverPubky", page.HomeserverPubky);
            data(json);
            json.WriteStartObject("text");
            foreach (var (key, value) in page.Text.Texts)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>What every rendered page needs: the homeserver's branding, texts, where the page lives, the
/// homeserver's key (empty while it is not known).</summary>
internal sealed record PageContext(PageBranding Branding, PageText Text, string BasePath, string HomeserverPubky)
{
    public string Title => Branding.Title is { Length: > 0 } title ? title : Text["title"];
}
