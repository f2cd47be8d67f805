using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Verification.Crypto;

namespace Homegate.Fakes.Pubky;

/// <summary>Compact EdDSA (Ed25519) JWS, enough for Pubky grants and PoP proofs.</summary>
public static class Jws
{
    /// <summary>Signs <paramref name="payload"/> with header <c>{"alg":"EdDSA","typ":typ}</c>.</summary>
    public static string Sign(UserKey key, string typ, JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(payload);
        var header = new JsonObject { ["alg"] = "EdDSA", ["typ"] = typ };
        var signingInput = Base64Url.Encode(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
                           Base64Url.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return signingInput + "." + Base64Url.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>Splits and decodes a compact JWS without checking the signature.</summary>
    public static bool TryDecode(string? compact, out JsonObject header, out JsonObject payload, out byte[] signature, out byte[] signingInput)
    {
        header = payload = null!;
        signature = signingInput = [];
        var parts = compact?.Split('.');
        if (parts is not { Length: 3 })
        {
            return false;
        }

        if (!Base64Url.TryDecode(parts[0], out var headerBytes) ||
            !Base64Url.TryDecode(parts[1], out var payloadBytes) ||
            !Base64Url.TryDecode(parts[2], out signature))
        {
            return false;
        }

        try
        {
            if (JsonNode.Parse(headerBytes) is not JsonObject h || JsonNode.Parse(payloadBytes) is not JsonObject p)
            {
                return false;
            }

            header = h;
            payload = p;
        }
        catch (JsonException)
        {
            return false;
        }

        signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        return true;
    }
}
