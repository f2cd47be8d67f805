using System.Reflection;
using System.Runtime.InteropServices;

namespace Homegate.Verification.Crypto;

/// <summary>
/// The libsodium primitives homegate uses (Ed25519, Argon2id, BLAKE2b, random bytes), bound with
/// <c>LibraryImport</c>. The library is resolved as <c>libsodium.so.23</c>, then <c>libsodium.so</c>,
/// then <c>libsodium</c>; <see cref="EnsureLoaded"/> fails with a clear message when none loads.
/// </summary>
public static partial class Sodium
{
    private const string Library = "libsodium";

    public const int Ed25519PublicKeyBytes = 32;
    public const int Ed25519SecretKeyBytes = 64;
    public const int Ed25519SeedBytes = 32;
    public const int Ed25519SignatureBytes = 64;

    private const int Argon2idAlgorithm = 2; // crypto_pwhash_ALG_ARGON2ID13

    private static readonly Lazy<bool> Initialised = new(Initialise, LazyThreadSafetyMode.ExecutionAndPublication);

    static Sodium()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Sodium).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set for this assembly (only one is allowed); it is ours.
        }
    }

    /// <summary>Loads and initialises libsodium, or throws naming what is missing.</summary>
    public static void EnsureLoaded() => _ = Initialised.Value;

    private static bool Initialise()
    {
        int rc;
        try
        {
            rc = sodium_init();
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(
                "libsodium was not found (tried libsodium.so.23, libsodium.so, libsodium). " +
                "Install it, e.g. `apt-get install libsodium23`.", e);
        }

        if (rc < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise (sodium_init returned " + rc + ").");
        }

        return true;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in new[] { "libsodium.so.23", "libsodium.so", "libsodium" })
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>Fills <paramref name="buffer"/> with cryptographically secure random bytes.</summary>
    public static void RandomBytes(Span<byte> buffer)
    {
        EnsureLoaded();
        randombytes_buf(ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
    }

    /// <summary>Derives an Ed25519 key pair from a 32-byte seed. The secret key is seed ‖ public key.</summary>
    public static void Ed25519KeyPairFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey, Span<byte> secretKey)
    {
        CheckLength(seed, Ed25519SeedBytes, nameof(seed));
        CheckLength(publicKey, Ed25519PublicKeyBytes, nameof(publicKey));
        CheckLength(secretKey, Ed25519SecretKeyBytes, nameof(secretKey));
        EnsureLoaded();
        if (crypto_sign_seed_keypair(ref MemoryMarshal.GetReference(publicKey), ref MemoryMarshal.GetReference(secretKey), in MemoryMarshal.GetReference(seed)) != 0)
        {
            throw new InvalidOperationException("crypto_sign_seed_keypair failed.");
        }
    }

    /// <summary>Signs <paramref name="message"/> with a 64-byte Ed25519 secret key.</summary>
    public static void Ed25519Sign(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        CheckLength(secretKey, Ed25519SecretKeyBytes, nameof(secretKey));
        CheckLength(signature, Ed25519SignatureBytes, nameof(signature));
        EnsureLoaded();
        if (crypto_sign_detached(ref MemoryMarshal.GetReference(signature), IntPtr.Zero, in MemoryMarshal.GetReference(message), (ulong)message.Length, in MemoryMarshal.GetReference(secretKey)) != 0)
        {
            throw new InvalidOperationException("crypto_sign_detached failed.");
        }
    }

    /// <summary>Verifies an Ed25519 signature. Wrong lengths verify as false, never throw.</summary>
    public static bool Ed25519Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != Ed25519PublicKeyBytes || signature.Length != Ed25519SignatureBytes)
        {
            return false;
        }

        EnsureLoaded();
        return crypto_sign_verify_detached(in MemoryMarshal.GetReference(signature), in MemoryMarshal.GetReference(message), (ulong)message.Length, in MemoryMarshal.GetReference(publicKey)) == 0;
    }

    /// <summary>BLAKE2b (unkeyed) with an output of <c>output.Length</c> bytes (16..64).</summary>
    public static void Blake2b(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length is < 16 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(output), "BLAKE2b output must be 16 to 64 bytes.");
        }

        EnsureLoaded();
        if (crypto_generichash(ref MemoryMarshal.GetReference(output), (nuint)output.Length, in MemoryMarshal.GetReference(input), (ulong)input.Length, IntPtr.Zero, 0) != 0)
        {
            throw new InvalidOperationException("crypto_generichash failed.");
        }
    }

    /// <summary>
    /// Argon2id v1.3 raw hash. <paramref name="memoryKiB"/> is in KiB (libsodium takes bytes),
    /// <paramref name="iterations"/> the number of passes; parallelism is always 1 in libsodium.
    /// </summary>
    public static void Argon2id(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, int memoryKiB, Span<byte> output)
    {
        CheckLength(salt, 16, nameof(salt));
        EnsureLoaded();
        var rc = crypto_pwhash(
            ref MemoryMarshal.GetReference(output), (ulong)output.Length,
            in MemoryMarshal.GetReference(password), (ulong)password.Length,
            in MemoryMarshal.GetReference(salt),
            (ulong)iterations, (nuint)memoryKiB * 1024, Argon2idAlgorithm);
        if (rc != 0)
        {
            throw new InvalidOperationException("crypto_pwhash (Argon2id) failed: out of memory or invalid parameters.");
        }
    }

    private static void CheckLength(ReadOnlySpan<byte> span, int expected, string name)
    {
        if (span.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} bytes, got {span.Length}.", name);
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial void randombytes_buf(ref byte buf, nuint size);

    [LibraryImport(Library)]
    private static partial int crypto_sign_seed_keypair(ref byte pk, ref byte sk, in byte seed);

    [LibraryImport(Library)]
    private static partial int crypto_sign_detached(ref byte sig, IntPtr siglen, in byte m, ulong mlen, in byte sk);

    [LibraryImport(Library)]
    private static partial int crypto_sign_verify_detached(in byte sig, in byte m, ulong mlen, in byte pk);

    [LibraryImport(Library)]
    private static partial int crypto_generichash(ref byte output, nuint outlen, in byte input, ulong inlen, IntPtr key, nuint keylen);

    [LibraryImport(Library)]
    private static partial int crypto_pwhash(ref byte output, ulong outlen, in byte passwd, ulong passwdlen, in byte salt, ulong opslimit, nuint memlimit, int alg);
}
