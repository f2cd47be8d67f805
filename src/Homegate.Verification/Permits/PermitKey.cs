using System.Security.Cryptography;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Permits;

/// <summary>An Ed25519 permit key: always its public half, and the secret only for the signing key.</summary>
public sealed class PermitKey
{
    private readonly byte[] _publicKey;

    private PermitKey(byte[] publicKey, byte[]? secretKey)
    {
        _publicKey = publicKey;
        SecretKey = secretKey;
        Paserk = Permits.Paserk.PublicKey(publicKey);
        Kid = Permits.Paserk.PublicKeyId(Paserk);
    }

    /// <summary>The PASERK id (<c>k4.pid.…</c>) written in the permit footer.</summary>
    public string Kid { get; }

    /// <summary>The public key as PASERK (<c>k4.public.…</c>).</summary>
    public string Paserk { get; }

    /// <summary>A copy of the 32 raw public key bytes.</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    internal ReadOnlySpan<byte> PublicKeySpan => _publicKey;

    /// <summary>Whether this key can sign (it is the ring's signing key).</summary>
    public bool CanSign => SecretKey is not null;

    internal byte[]? SecretKey { get; }

    /// <summary>A verify-only key from 32 raw bytes.</summary>
    public static PermitKey FromPublicKey(ReadOnlySpan<byte> pk32)
    {
        if (pk32.Length != Sodium.Ed25519PublicKeyBytes)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(pk32));
        }

        return new PermitKey(pk32.ToArray(), null);
    }

    /// <summary>A signing key from a 64-byte Ed25519 secret key (seed ‖ public key); the halves must match.</summary>
    public static PermitKey FromSecretKey(ReadOnlySpan<byte> sk64)
    {
        if (sk64.Length != Sodium.Ed25519SecretKeyBytes)
        {
            throw new ArgumentException("An Ed25519 secret key is 64 bytes.", nameof(sk64));
        }

        var pk = new byte[Sodium.Ed25519PublicKeyBytes];
        var sk = new byte[Sodium.Ed25519SecretKeyBytes];
        Sodium.Ed25519KeyPairFromSeed(sk64[..Sodium.Ed25519SeedBytes], pk, sk);
        if (!CryptographicOperations.FixedTimeEquals(sk, sk64))
        {
            CryptographicOperations.ZeroMemory(sk);
            throw new ArgumentException("The public half of the secret key does not match its seed.", nameof(sk64));
        }

        return new PermitKey(pk, sk);
    }

    /// <summary>A new signing key from a random seed.</summary>
    public static PermitKey Generate()
    {
        Span<byte> seed = stackalloc byte[Sodium.Ed25519SeedBytes];
        Sodium.RandomBytes(seed);
        var pk = new byte[Sodium.Ed25519PublicKeyBytes];
        var sk = new byte[Sodium.Ed25519SecretKeyBytes];
        Sodium.Ed25519KeyPairFromSeed(seed, pk, sk);
        CryptographicOperations.ZeroMemory(seed);
        return new PermitKey(pk, sk);
    }

    public override string ToString() => Kid;
}
