using System.Security.Cryptography;
using Homegate.Verification.Crypto;
using NSec.Cryptography;

namespace Homegate.Fakes.Pubky;

/// <summary>An Ed25519 key pair as a Pubky user (or client, or homeserver) holds it.</summary>
public sealed class UserKey
{
    private readonly Key _key;

    private UserKey(ReadOnlySpan<byte> seed)
    {
        _key = Key.Import(Ed25519Keys.Algorithm, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        PublicKeyZ32 = ZBase32.Encode(PublicKey);
    }

    /// <summary>The raw 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The public key in z-base-32 (52 characters), as Pubky writes it.</summary>
    public string PublicKeyZ32 { get; }

    /// <summary>A fresh key from 32 random bytes.</summary>
    public static UserKey Generate() => new(RandomNumberGenerator.GetBytes(Ed25519Keys.SeedBytes));

    /// <summary>A deterministic key from a 32-byte seed (for reproducible tests).</summary>
    public static UserKey FromSeed(ReadOnlySpan<byte> seed) => new(seed);

    /// <summary>The detached 64-byte Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => Ed25519Keys.Algorithm.Sign(_key, message);
}
