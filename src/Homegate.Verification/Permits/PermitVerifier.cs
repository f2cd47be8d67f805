using System.Text.Json;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Permits;

/// <summary>
/// Checks a permit's form, key, signature, claims, issuer, time window and audience (in that order).
/// Single use and subject matching are the gate's job. Never throws on any token string.
/// </summary>
public sealed class PermitVerifier
{
    /// <summary>Longer tokens are refused before any decoding (a real permit is well under 1 KiB).</summary>
    public const int MaxTokenLength = 4096;

    /// <summary>Clock skew tolerated on both ends of the validity window.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);

    private readonly PermitKeyRing _keys;
    private readonly PermitOptions _options;
    private readonly HomeserverIdentity _identity;
    private readonly TimeProvider _time;

    public PermitVerifier(PermitKeyRing keys, IOptions<PermitOptions> options, HomeserverIdentity identity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(time);
        _keys = keys;
        _options = options.Value;
        _identity = identity;
        _time = time;
    }

    public PermitCheck Verify(string token)
    {
        if (token is null || token.Length > MaxTokenLength
            || !Paseto.TryParse(token, out var payload, out var footer)
            || !TryReadKid(footer, out var kid)
            || !_keys.TryGet(kid, out var key)
            || !Paseto.Verify(payload, footer, key.Verifier, []))
        {
            return PermitCheck.Invalid;
        }

        if (!TryReadClaims(payload.AsSpan(0, payload.Length - Ed25519Keys.SignatureBytes), out var claims)
            || !string.Equals(claims.Issuer, _options.Issuer, StringComparison.Ordinal))
        {
            return PermitCheck.Invalid;
        }

        var now = _time.GetUtcNow();
        // Skew is applied to now, not to the claims: a validly signed exp at 9999-12-31T23:59:59Z (or
        // nbf at year 1) would overflow DateTimeOffset and crash the request.
        if (now + Skew < claims.NotBefore || now - Skew > claims.Expires)
        {
            return new PermitCheck(PermitFailure.Expired, claims);
        }

        // An unresolved homeserver key means no audience can match: fail closed.
        var audience = _identity.Current;
        if (!audience.IsKnown || !string.Equals(claims.Audience, audience.PublicKey, StringComparison.Ordinal))
        {
            return new PermitCheck(PermitFailure.WrongAudience, claims);
        }

        return new PermitCheck(PermitFailure.None, claims);
    }

    /// <summary>The footer must be a JSON object with a string <c>kid</c> (other members are ignored).</summary>
    internal static bool TryReadKid(ReadOnlySpan<byte> footer, out string kid)
    {
        kid = string.Empty;
        string? found = null;
        try
        {
            var reader = new Utf8JsonReader(footer, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKid = reader.ValueTextEquals("kid"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isKid)
                {
                    if (found is not null || reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > 128)
                    {
                        return false;
                    }

                    found = reader.GetString();
                }
                else if (!reader.TrySkip())
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || found is null)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        kid = found;
        return true;
    }

    /// <summary>Reads the claims strictly: required strings present once each, RFC 3339 times, a known method, a z32 subject.</summary>
    internal static bool TryReadClaims(ReadOnlySpan<byte> message, out PermitClaims claims)
    {
        claims = null!;
        string? iss = null, aud = null, jti = null, mth = null, sub = null;
        DateTimeOffset iat = default, nbf = default, exp = default;
        var seen = Seen.None;
        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = NameOf(ref reader);
                if (!reader.Read())
                {
                    return false;
                }

                if (name == Seen.None)
                {
                    if (!reader.TrySkip())
                    {
                        return false;
                    }

                    continue;
                }

                if ((seen & name) != 0 || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                seen |= name;
                var ok = name switch
                {
                    Seen.Iss => TryString(ref reader, 200, out iss),
                    Seen.Aud => TryString(ref reader, 52, out aud),
                    Seen.Jti => TryString(ref reader, PermitIssuer.MaxJtiLength, out jti) && jti.Length > 0,
                    Seen.Iat => Rfc3339.TryParse(ref reader, out iat),
                    Seen.Nbf => Rfc3339.TryParse(ref reader, out nbf),
                    Seen.Exp => Rfc3339.TryParse(ref reader, out exp),
                    Seen.Mth => (mth = PermitMethods.FromUtf8(reader.ValueSpan)) is not null,
                    Seen.Sub => TryString(ref reader, 52, out sub) && ZBase32.TryDecodePublicKey(sub, out _),
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || (seen & Seen.Required) != Seen.Required)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        claims = new PermitClaims(iss!, aud!, jti!, iat, nbf, exp, mth!, sub);
        return true;
    }

    private static Seen NameOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("iss"u8) ? Seen.Iss
        : reader.ValueTextEquals("aud"u8) ? Seen.Aud
        : reader.ValueTextEquals("jti"u8) ? Seen.Jti
        : reader.ValueTextEquals("iat"u8) ? Seen.Iat
        : reader.ValueTextEquals("nbf"u8) ? Seen.Nbf
        : reader.ValueTextEquals("exp"u8) ? Seen.Exp
        : reader.ValueTextEquals("mth"u8) ? Seen.Mth
        : reader.ValueTextEquals("sub"u8) ? Seen.Sub
        : Seen.None;

    private static bool TryString(ref Utf8JsonReader reader, int maxChars, out string value)
    {
        // Escaped JSON text is at most 6 bytes per char; anything longer cannot fit the limit.
        if (reader.ValueSpan.Length > maxChars * 6)
        {
            value = string.Empty;
            return false;
        }

        value = reader.GetString() ?? string.Empty;
        return value.Length <= maxChars;
    }

    [Flags]
    private enum Seen
    {
        None = 0,
        Iss = 1,
        Aud = 2,
        Jti = 4,
        Iat = 8,
        Nbf = 16,
        Exp = 32,
        Mth = 64,
        Sub = 128,
        Required = Iss | Aud | Jti | Iat | Nbf | Exp | Mth,
    }
}
