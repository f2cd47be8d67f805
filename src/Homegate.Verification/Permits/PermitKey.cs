using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Homegate.Verification.Crypto;
using NSec.Cryptography;

namespace Homegate.Verification.Permits;

/// <summary>
/// An Ed25519 permit key: always its public half, and the secret only for the signing key. Both are
/// imported into NSec once, here, not per signature or verification.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "Permit keys live as long as the process; NSec's key handle frees its memory when collected.")]
public sealed class PermitKey
{
    private readonly byte[] _publicKey;

    private PermitKey(byte[] publicKey, PublicKey verifier, Key? signer)
    {
        _publicKey = publicKey;
        Verifier = verifier;
        Signer = signer;
        Paserk = Permits.Paserk.PublicKey(publicKey);
        Kid = Permits.Paserk.PublicKeyId(Paserk);
    }

    /// <summary>The PASERK id (<c>k4.pid.…</c>) written in the permit footer.</summary>
    public string Kid { get; }

    /// <summary>The public key as PASERK (<c>k4.public.…</c>).</summary>
    public string Paserk { get; }

    /// <summary>A copy of the 32 raw public key bytes.</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    internal PublicKey Verifier { get; }

    /// <summary>Whether this key can sign (it is the ring's signing key).</summary>
    public bool CanSign => Signer is not null;

    internal Key? Signer { get; }

    /// <summary>
    /// The 64-byte secret key (seed ‖ public key) of a key made by <see cref="Generate"/>, for tests
    /// and tools; null for verify-only keys and for keys loaded without export.
    /// </summary>
    internal byte[]? SecretKey =>
        Signer is { ExportPolicy: var policy } signer && policy.HasFlag(KeyExportPolicies.AllowPlaintextExport)
            ? Ed25519Keys.ExportSecretKey(signer)
            : null;

    /// <summary>A verify-only key from 32 raw bytes.</summary>
    public static PermitKey FromPublicKey(ReadOnlySpan<byte> pk32)
    {
        if (!Ed25519Keys.TryImportPublicKey(pk32, out var verifier))
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(pk32));
        }

        return new PermitKey(pk32.ToArray(), verifier, null);
    }

    /// <summary>A signing key from a 64-byte Ed25519 secret key (seed ‖ public key); the halves must match.</summary>
    public static PermitKey FromSecretKey(ReadOnlySpan<byte> sk64) => FromSecretKey(sk64, exportable: false);

    /// <summary>A new signing key from a random seed; its secret stays exportable (tests, tools).</summary>
    public static PermitKey Generate()
    {
        var sk = Ed25519Keys.NewSecretKey();
        try
        {
            return FromSecretKey(sk, exportable: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    public override string ToString() => Kid;

    private static PermitKey FromSecretKey(ReadOnlySpan<byte> sk64, bool exportable)
    {
        if (sk64.Length != Ed25519Keys.SecretKeyBytes)
        {
            throw new ArgumentException("An Ed25519 secret key is 64 bytes.", nameof(sk64));
        }

        if (!Ed25519Keys.TryImportSecretKey(sk64, exportable, out var signer))
        {
            throw new ArgumentException("The public half of the secret key does not match its seed.", nameof(sk64));
        }

        return new PermitKey(sk64[Ed25519Keys.SeedBytes..].ToArray(), signer.PublicKey, signer);
    }
}
