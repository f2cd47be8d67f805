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

public enum PermitFailure { None, Invalid, Expired, WrongAudience }

public sealed record PermitCheck(PermitFailure Failure, PermitClaims? Claims);

public sealed class PermitVerifier
{
    public PermitCheck Verify(string token) => throw new NotImplementedException(token);
}

public sealed class PermitKey
{
    public string Kid { get; init; } = "";
    public string Paserk { get; init; } = "";
    public byte[] PublicKey { get; init; } = [];
}

public sealed class PermitKeyRing
{
    public PermitKey Signing { get; init; } = new();
    public IReadOnlyList<PermitKey> All { get; init; } = [];
    public static PermitKeyRing LoadOrCreate(string dataDir, IEnumerable<string> trustedKeys) => throw new NotImplementedException(dataDir + trustedKeys);
}

public sealed class PermitOptions
{
    public string Issuer { get; set; } = "homegate";
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);
    public List<string> TrustedKeys { get; set; } = [];
}

public static class PermitServiceCollectionExtensions
{
    public static Microsoft.Extensions.DependencyInjection.IServiceCollection AddPermits(this Microsoft.Extensions.DependencyInjection.IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration) => services;
}
