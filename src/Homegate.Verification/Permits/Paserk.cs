using System.Security.Cryptography;
using System.Text;
using Homegate.Verification.Crypto;
using NSec.Cryptography;

namespace Homegate.Verification.Permits;

/// <summary>PASERK k4 serialisations of Ed25519 keys: <c>k4.public</c>, <c>k4.secret</c> and the <c>k4.pid</c> key id.</summary>
public static class Paserk
{
    private const string PublicPrefix = "k4.public.";
    private const string SecretPrefix = "k4.secret.";
    private const string PidPrefix = "k4.pid.";
    private const int PidHashBytes = 33;

    // BLAKE2b-264, as PASERK's k4.pid specifies.
    private static readonly Blake2b PidHash = new(PidHashBytes);

    public static string PublicKey(ReadOnlySpan<byte> pk32)
    {
        if (pk32.Length != Ed25519Keys.PublicKeyBytes)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(pk32));
        }

        return PublicPrefix + Base64Url.Encode(pk32);
    }

    public static string SecretKey(ReadOnlySpan<byte> sk64)
    {
        if (sk64.Length != Ed25519Keys.SecretKeyBytes)
        {
            throw new ArgumentException("An Ed25519 secret key is 64 bytes.", nameof(sk64));
        }

        return SecretPrefix + Base64Url.Encode(sk64);
    }

    public static bool TryParsePublicKey(string? text, out byte[] pk32)
    {
        pk32 = [];
        if (text is null || !text.StartsWith(PublicPrefix, StringComparison.Ordinal)
            || !Base64Url.TryDecode(text.AsSpan(PublicPrefix.Length), out var bytes)
            || bytes.Length != Ed25519Keys.PublicKeyBytes)
        {
            return false;
        }

        pk32 = bytes;
        return true;
    }

    /// <summary>Parses a <c>k4.secret</c> key and checks that its public half is the one its seed derives.</summary>
    public static bool TryParseSecretKey(string? text, out byte[] sk64)
    {
        sk64 = [];
        if (text is null || !text.StartsWith(SecretPrefix, StringComparison.Ordinal)
            || !Base64Url.TryDecode(text.AsSpan(SecretPrefix.Length), out var bytes)
            || bytes.Length != Ed25519Keys.SecretKeyBytes)
        {
            return false;
        }

        if (!Ed25519Keys.TryImportSecretKey(bytes, exportable: false, out var key))
        {
            CryptographicOperations.ZeroMemory(bytes);
            return false;
        }

        key.Dispose();
        sk64 = bytes;
        return true;
    }

    /// <summary><c>k4.pid.</c> + base64url(BLAKE2b-264(UTF-8("k4.pid." + k4.public))).</summary>
    public static string PublicKeyId(string k4Public)
    {
        if (!TryParsePublicKey(k4Public, out _))
        {
            throw new ArgumentException("Not a k4.public PASERK key.", nameof(k4Public));
        }

        var input = Encoding.UTF8.GetBytes(PidPrefix + k4Public);
        Span<byte> hash = stackalloc byte[PidHashBytes];
        PidHash.Hash(input, hash);
        return PidPrefix + Base64Url.Encode(hash);
    }
}
