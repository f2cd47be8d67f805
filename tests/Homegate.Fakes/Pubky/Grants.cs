using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Verification.Crypto;

namespace Homegate.Fakes.Pubky;

/// <summary>A grant-signup request: the JSON body and what went into it.</summary>
public sealed record GrantSignup(string Json, string Grant, string Pop, string GrantId, UserKey Client);

/// <summary>
/// Bodies for <c>POST /auth/grant/signup</c> (pubky v0.10): a grant JWS (typ <c>pubky-grant</c>)
/// signed by the user key and a proof-of-possession JWS (typ <c>pubky-pop</c>) signed by the client
/// key named in the grant's <c>cnf</c>, bound to the grant's <c>jti</c> and the homeserver (<c>aud</c>).
/// </summary>
public static class Grants
{
    /// <summary>
    /// Builds <c>{"grant":"…","pop":"…"}</c>. Times in Unix seconds; the grant lives one hour.
    /// </summary>
    public static GrantSignup Create(
        UserKey user,
        string homeserverPublicKeyZ32,
        DateTimeOffset now,
        UserKey? client = null,
        string capabilities = "/:rw",
        string clientId = "pubky.signup")
    {
        ArgumentNullException.ThrowIfNull(user);
        client ??= UserKey.Generate();
        var iat = now.ToUnixTimeSeconds();
        var jti = RandomId();
        var grant = Jws.Sign(user, "pubky-grant", new JsonObject
        {
            ["iss"] = user.PublicKeyZ32,
            ["client_id"] = clientId,
            ["caps"] = new JsonArray(capabilities),
            ["cnf"] = client.PublicKeyZ32,
            ["jti"] = jti,
            ["iat"] = iat,
            ["exp"] = iat + 3600,
        });
        var pop = Jws.Sign(client, "pubky-pop", new JsonObject
        {
            ["aud"] = homeserverPublicKeyZ32,
            ["gid"] = jti,
            ["nonce"] = RandomId(),
            ["iat"] = iat,
        });
        var json = new JsonObject { ["grant"] = grant, ["pop"] = pop }.ToJsonString();
        return new GrantSignup(json, grant, pop, jti, client);
    }

    /// <summary>The user key (z32 <c>iss</c>) of a grant-signup body, or null when unreadable.</summary>
    public static string? TryReadIssuer(ReadOnlySpan<byte> body)
    {
        try
        {
            var grant = JsonNode.Parse(body)?["grant"]?.GetValue<string>();
            return Jws.TryDecode(grant, out _, out var payload, out _, out _)
                ? payload["iss"]?.GetValue<string>()
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string RandomId()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Base64Url.Encode(bytes);
    }
}
