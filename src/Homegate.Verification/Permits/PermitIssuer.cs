// PLACEHOLDER (contract only): the permits helper replaces this file with the real implementation.
using Homegate.Verification.Homeserver;

namespace Homegate.Verification.Permits;

public sealed record PermitClaims(string Issuer, string Audience, string Jti, DateTimeOffset IssuedAt, DateTimeOffset NotBefore, DateTimeOffset Expires, string Method, string? Subject);

public sealed record IssuedPermit(string Token, PermitClaims Claims);

public sealed class PermitIssuer(HomeserverIdentity identity, TimeProvider time)
{
    public IssuedPermit Issue(string jti, string method, string? subject, TimeSpan? lifetime = null)
    {
        _ = identity;
        _ = time;
        throw new NotImplementedException($"placeholder {jti} {method} {subject} {lifetime}");
    }
}
