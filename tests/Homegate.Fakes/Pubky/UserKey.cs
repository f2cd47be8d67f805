using Homegate.Verification.Crypto;

namespace Homegate.Fakes.Pubky;

/// <summary>An Ed25519 key pair as a Pubky user (or client, or homeserver) holds it.</summary>
public sealed class UserKey
{
    private readonly byte[] _secretKey;

    private UserKey(byte[] seed)
    {
        PublicKey = new byte[Sodium.Ed25519PublicKeyBytes];
        _secretKey = new byte[Sodium.Ed25519SecretKeyBytes];
        Sodium.Ed25519KeyPairFromSeed(seed, PublicKey, _secretKey);
        PublicKeyZ32 = ZBase32.Encode(PublicKey);
    }

    /// <summary>The raw 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The public key in z-base-32 (52 characters), as Pubky writes it.</summary>
    public string PublicKeyZ32 { get; }

    /// <summary>A fresh key from 32 random bytes.</summary>
    public static UserKey Generate()
    {
        var seed = new byte[Sodium.Ed25519SeedBytes];
        Sodium.RandomBytes(seed);
        return new UserKey(seed);
    }

    /// <summary>A deterministic key from a 32-byte seed (for reproducible tests).</summary>
    public static UserKey FromSeed(ReadOnlySpan<byte> seed) => new(seed.ToArray());

    /// <summary>The detached 64-byte Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[Sodium.Ed25519SignatureBytes];
        Sodium.Ed25519Sign(_secretKey, message, signature);
        return signature;
    }
}
