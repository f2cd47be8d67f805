using System.Text.Json;
using Homegate.Gateway.Problems;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using QRCoder;

namespace Homegate.Gateway.Page;

/// <summary>
/// QR codes rendered by homegate (QRCoder, SVG), so the page needs no client library and no outside
/// service: the Lightning invoice of a verification (<c>GET …/qr/ln/{id}</c>, public data, cacheable)
/// and the Pubky Ring link for a signup code (<c>POST …/qr/ring</c>: the code travels in the body,
/// never in a URL that could be logged).
/// </summary>
internal static class QrImages
{
    private const int MaxBodyBytes = 1024;

    public static async Task<IResult> InvoiceAsync(string verificationId, HttpContext context, LightningVerificationService service, LightningRepository repository)
    {
        if (!service.Enabled)
        {
            return PageFeature.NotFound();
        }

        if (!Guid.TryParse(verificationId, out var id))
        {
            return HomegateProblem.Result(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request", "verificationId is not a UUID.");
        }

        // With several homeservers, like the JSON endpoints: only on a host of the homeserver that created it.
        var verification = await repository.GetAsync(id, context.RequestAborted);
        if (verification is null
            || (verification.Homeserver is not null && !string.Equals(verification.Homeserver, HomeserverIdentity.CurrentName, StringComparison.Ordinal)))
        {
            return HomegateProblem.Result(StatusCodes.Status404NotFound, "not-found", "No such verification.");
        }

        // Upper case lets the QR use its compact alphanumeric mode; wallets accept either case.
        context.Response.Headers.CacheControl = "private, max-age=3600";
        return Svg(context, "lightning:" + verification.Invoice.ToUpperInvariant());
    }

    public static async Task<IResult> RingAsync(HttpContext context, HomeserverIdentity homeserver)
    {
        string? code = null;
        if (context.Request.ContentLength is null or <= MaxBodyBytes)
        {
            var buffer = new byte[MaxBodyBytes + 1];
            var length = 0;
            int read;
            while (length <= MaxBodyBytes && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
            }

            if (length <= MaxBodyBytes)
            {
                code = ReadCode(buffer.AsSpan(0, length));
            }
        }

        if (InvitePage.Normalize(code) is not { } normalized)
        {
            return HomegateProblem.Result(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request",
                "The body must be {\"code\":\"XXXX-XXXX-XXXX\"}.");
        }

        if (!homeserver.Current.IsKnown)
        {
            return InvitePage.Unavailable();
        }

        context.Response.Headers.CacheControl = "no-store";
        return Svg(context, InvitePage.RingLink(homeserver.Current.PublicKey, normalized));
    }

    internal static string Render(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(8);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Svg(HttpContext context, string text)
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        return TypedResults.Text(Render(text), "image/svg+xml", System.Text.Encoding.UTF8);
    }

    private static string? ReadCode(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
