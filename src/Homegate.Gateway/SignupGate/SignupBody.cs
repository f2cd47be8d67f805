using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Homegate.Verification.Crypto;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// Reads who is signing up from a signup body, without trusting it further: the homeserver verifies
/// signatures. A body that does not parse is refused before anything is reserved; this also protects
/// the homeserver, whose handler crashes on an AuthToken shorter than 75 bytes.
/// </summary>
internal static class SignupBody
{
    /// <summary>The largest signup body accepted (a root AuthToken is 120 bytes; a grant body ~1 KiB).</summary>
    public const int MaxBytes = 16 * 1024;

    private static ReadOnlySpan<byte> AuthNamespace => "PUBKY:AUTH"u8;

    /// <summary>Parses a postcard AuthToken and returns the user's z-base-32 public key.</summary>
    public static bool TryReadAuthTokenSubject(ReadOnlySpan<byte> body, out string subject, out string problem)
    {
        subject = "";
        const int keyOffset = 83;
        const int capabilitiesOffset = keyOffset + 32;
        if (body.Length < capabilitiesOffset + 1)
        {
            problem = "The AuthToken is too short.";
            return false;
        }

        if (!body.Slice(64, 10).SequenceEqual(AuthNamespace))
        {
            problem = "The body is not a Pubky AuthToken (namespace).";
            return false;
        }

        if (body[74] != 0)
        {
            problem = "Unsupported AuthToken version.";
            return false;
        }

        _ = BinaryPrimitives.ReadUInt64BigEndian(body.Slice(75, 8));

        // Capabilities: a postcard string, LEB128 length then UTF-8, and nothing after it.
        var rest = body[capabilitiesOffset..];
        if (!TryReadVarint(rest, out var length, out var used) || (ulong)(rest.Length - used) != length)
        {
            problem = "The AuthToken's capabilities are malformed.";
            return false;
        }

        try
        {
            _ = new UTF8Encoding(false, true).GetString(rest[used..]);
        }
        catch (DecoderFallbackException)
        {
            problem = "The AuthToken's capabilities are not UTF-8.";
            return false;
        }

        subject = ZBase32.Encode(body.Slice(keyOffset, 32));
        problem = "";
        return true;
    }

    /// <summary>Parses <c>{"grant":"&lt;JWS&gt;","pop":"&lt;JWS&gt;"}</c> and returns the grant's <c>iss</c>.</summary>
    public static bool TryReadGrantSubject(ReadOnlySpan<byte> body, out string subject, out string problem)
    {
        subject = "";
        problem = "The body is not {\"grant\",\"pop\"} JSON with a grant JWS whose payload names the user in \"iss\".";
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("grant", out var grant) || grant.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("pop", out var pop) || pop.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            var parts = grant.GetString()!.Split('.');
            if (parts.Length != 3 || !Base64Url.TryDecode(parts[1], out var payloadBytes))
            {
                return false;
            }

            using var payload = JsonDocument.Parse(payloadBytes, new JsonDocumentOptions { MaxDepth = 8 });
            if (payload.RootElement.ValueKind != JsonValueKind.Object
                || !payload.RootElement.TryGetProperty("iss", out var iss)
                || iss.ValueKind != JsonValueKind.String
                || !ZBase32.TryDecodePublicKey(iss.GetString(), out _))
            {
                return false;
            }

            subject = iss.GetString()!;
            problem = "";
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on a JSON string holding invalid UTF-8.
            return false;
        }
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, out ulong value, out int used)
    {
        value = 0;
        used = 0;
        for (var shift = 0; shift < 64 && used < data.Length; shift += 7)
        {
            var b = data[used++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
