using System.Text;
using System.Text.Json;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Permits;

/// <summary>A signed permit and the claims it carries.</summary>
public sealed record IssuedPermit(string Token, PermitClaims Claims);

/// <summary>Signs permits with the ring's signing key, for this homeserver (the audience).</summary>
public sealed class PermitIssuer
{
    internal const int MaxJtiLength = 200;

    private readonly PermitKeyRing _keys;
    private readonly PermitOptions _options;
    private readonly HomeserverIdentity _identity;
    private readonly TimeProvider _time;
    private readonly byte[] _footer;

    public PermitIssuer(PermitKeyRing keys, IOptions<PermitOptions> options, HomeserverIdentity identity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(time);
        _keys = keys;
        _options = options.Value;
        _identity = identity;
        _time = time;

        // A kid is "k4.pid." + base64url: nothing in it needs JSON escaping.
        _footer = Encoding.UTF8.GetBytes("{\"kid\":\"" + keys.Signing.Kid + "\"}");
    }

    /// <summary>
    /// Issues a permit for one verification. <paramref name="jti"/> names the verification (re-issuing
    /// reuses it); <paramref name="method"/> is one of <see cref="PermitMethods"/>; <paramref name="subject"/>
    /// binds the permit to a user key (z-base-32) when given. Default lifetime from <see cref="PermitOptions.Lifetime"/>.
    /// </summary>
    public IssuedPermit Issue(string jti, string method, string? subject, TimeSpan? lifetime = null)
    {
        if (string.IsNullOrEmpty(jti) || jti.Length > MaxJtiLength)
        {
            throw new ArgumentException($"jti must be 1 to {MaxJtiLength} characters.", nameof(jti));
        }

        if (!PermitMethods.IsKnown(method))
        {
            throw new ArgumentException("method must be sms, lightning or invite.", nameof(method));
        }

        if (subject is not null && !ZBase32.TryDecodePublicKey(subject, out _))
        {
            throw new ArgumentException("subject must be a z-base-32 public key (52 characters).", nameof(subject));
        }

        var life = lifetime ?? _options.Lifetime;
        if (life <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "A permit lifetime must be positive.");
        }

        // Claims carry whole seconds; truncate first so the returned claims equal the signed ones.
        var now = Rfc3339.TruncateToSeconds(_time.GetUtcNow());
        var expires = Rfc3339.TruncateToSeconds(now + life);
        var claims = new PermitClaims(_options.Issuer, _identity.Current.PublicKey, jti, now, now, expires, method, subject);
        var message = JsonSerializer.SerializeToUtf8Bytes(claims, PermitJsonContext.Default.PermitClaims);
        var token = Paseto.Sign(_keys.Signing.Signer!, message, _footer, []);
        return new IssuedPermit(token, claims);
    }
}
