using System.Security.Cryptography;
using System.Text;
using Homegate.Verification.Sms;

namespace Homegate.Verification.Redemptions;

/// <summary>
/// The secrets behind signup codes, derived from the phone-hash pepper (<c>DataDir/pepper.txt</c>: shared by
/// every instance, kept out of the database, backed up with the signing key).
/// <para>
/// Codes carry only 60 bits, so a plain SHA-256 column would not protect them: with a database dump an
/// attacker hashes all 2^60 codes once and matches every stored row at the same time (with 10,000 live
/// invitations, about 2^47 hashes per hit: hours on one GPU). A hash keyed with a secret that is not in the
/// database makes a dump alone useless; HMAC-SHA256 stays one fast call, so the gate's lookup costs one
/// hash and one primary-key query. An attacker who also holds the pepper still faces 2^60 work per
/// dump, and codes expire (15 minutes; invitations after their lifetime).
/// </para>
/// </summary>
public sealed class SignupCodeKeys(PepperGuard pepper)
{
    private static readonly byte[] HashLabel = "homegate/signup-code/hash/v1"u8.ToArray();
    private static readonly byte[] DeriveLabel = "homegate/signup-code/derive/v1"u8.ToArray();

    private Keys? _keys;

    /// <summary>The stored form of a canonical code (32 bytes).</summary>
    public async ValueTask<byte[]> HashAsync(string canonicalCode, CancellationToken cancellationToken)
    {
        var keys = await GetAsync(cancellationToken);
        return HMACSHA256.HashData(keys.Hash, Encoding.ASCII.GetBytes(canonicalCode));
    }

    /// <summary>
    /// The code of a verification that is read again and again (Lightning): a keyed function of its
    /// <paramref name="jti"/>, so every read yields the same working code without storing the code.
    /// </summary>
    public async ValueTask<string> DeriveAsync(string jti, CancellationToken cancellationToken)
    {
        var keys = await GetAsync(cancellationToken);
        return SignupCodes.FromBits(HMACSHA256.HashData(keys.Derive, Encoding.UTF8.GetBytes("code:" + jti)));
    }

    private async ValueTask<Keys> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _keys) is { } known)
        {
            return known;
        }

        var secret = Convert.FromHexString(await pepper.GetPepperAsync(cancellationToken));
        var keys = new Keys(HMACSHA256.HashData(secret, HashLabel), HMACSHA256.HashData(secret, DeriveLabel));
        CryptographicOperations.ZeroMemory(secret);
        Volatile.Write(ref _keys, keys);
        return keys;
    }

    private sealed record Keys(byte[] Hash, byte[] Derive);
}
