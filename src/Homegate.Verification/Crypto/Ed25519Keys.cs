using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Homegate.Verification.Crypto;

/// <summary>
/// Ed25519 through NSec (libsodium, shipped as a NuGet native asset). A secret key on disk and in
/// PASERK is 64 bytes, seed ‖ public key; NSec has no such format, so the seed is imported and the
/// public key it derives is compared with the stored half in constant time.
/// </summary>
public static class Ed25519Keys
{
    public const int PublicKeyBytes = 32;
    public const int SeedBytes = 32;
    public const int SecretKeyBytes = 64;
    public const int SignatureBytes = 64;

    public static SignatureAlgorithm Algorithm => SignatureAlgorithm.Ed25519;

    /// <summary>
    /// Imports a 64-byte secret key (seed ‖ public key). False when the length is wrong or the public
    /// half is not the one the seed derives. <paramref name="exportable"/> keeps the seed exportable
    /// (to write the key file); otherwise NSec refuses to hand it out again.
    /// </summary>
    public static bool TryImportSecretKey(ReadOnlySpan<byte> secretKey64, bool exportable, [NotNullWhen(true)] out Key? key)
    {
        key = null;
        if (secretKey64.Length != SecretKeyBytes)
        {
            return false;
        }

        var parameters = new KeyCreationParameters
        {
            ExportPolicy = exportable ? KeyExportPolicies.AllowPlaintextExport : KeyExportPolicies.None,
        };
        var imported = Key.Import(Algorithm, secretKey64[..SeedBytes], KeyBlobFormat.RawPrivateKey, in parameters);
        Span<byte> derived = stackalloc byte[PublicKeyBytes];
        if (!imported.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, derived, out var written)
            || written != PublicKeyBytes
            || !CryptographicOperations.FixedTimeEquals(derived, secretKey64[SeedBytes..]))
        {
            imported.Dispose();
            return false;
        }

        key = imported;
        return true;
    }

    /// <summary>Imports a 32-byte public key; false for a wrong length or an encoding NSec refuses.</summary>
    public static bool TryImportPublicKey(ReadOnlySpan<byte> publicKey32, [NotNullWhen(true)] out PublicKey? key)
    {
        key = null;
        return publicKey32.Length == PublicKeyBytes
            && PublicKey.TryImport(Algorithm, publicKey32, KeyBlobFormat.RawPublicKey, out key);
    }

    /// <summary>A new 64-byte secret key (random seed ‖ its public key). The caller zeroes it when done.</summary>
    public static byte[] NewSecretKey()
    {
        var secretKey = new byte[SecretKeyBytes];
        RandomNumberGenerator.Fill(secretKey.AsSpan(0, SeedBytes));
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None };
        using var key = Key.Import(Algorithm, secretKey.AsSpan(0, SeedBytes), KeyBlobFormat.RawPrivateKey, in parameters);
        key.PublicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(secretKey, SeedBytes);
        return secretKey;
    }

    /// <summary>The 64-byte secret key of an exportable key (seed ‖ public key). The caller zeroes it.</summary>
    public static byte[] ExportSecretKey(Key key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secretKey = new byte[SecretKeyBytes];
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            seed.CopyTo(secretKey, 0);
            key.PublicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(secretKey, SeedBytes);
            return secretKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Signs with a 64-byte secret key, importing it for this one call (tests and tools; services import once).</summary>
    public static byte[] Sign(ReadOnlySpan<byte> secretKey64, ReadOnlySpan<byte> message)
    {
        if (!TryImportSecretKey(secretKey64, exportable: false, out var key))
        {
            throw new ArgumentException("Not a 64-byte Ed25519 secret key whose halves match.", nameof(secretKey64));
        }

        using (key)
        {
            return Algorithm.Sign(key, message);
        }
    }

    /// <summary>Verifies a signature against raw public key bytes. Wrong lengths verify as false, never throw.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        => signature.Length == SignatureBytes
           && TryImportPublicKey(publicKey32, out var key)
           && Algorithm.Verify(key, message, signature);
}
