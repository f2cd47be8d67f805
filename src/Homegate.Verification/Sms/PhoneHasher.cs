using System.Text;
using System.Threading.RateLimiting;
using Homegate.Verification.Crypto;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Homegate.Verification.Sms;

/// <summary>
/// The phone-number hash (docs/api.md, "Phone hash"), bit-compatible with the Rust Homegate:
/// Argon2id v1.3 (19456 KiB, 2 passes, parallelism 1, 32 bytes) of the E.164 string, salted with
/// the first 16 bytes of BLAKE3 over the pepper's hex text. Each hash takes ~17 ms and 19 MiB, so
/// at most <see cref="SmsOptions.HashConcurrency"/> run at once and at most
/// <see cref="SmsOptions.HashQueueLimit"/> wait; anyone beyond gets <see cref="SmsBusyException"/>.
/// </summary>
internal sealed class PhoneHasher : IDisposable
{
    internal const int MemoryKiB = 19456;
    internal const int Passes = 2;
    internal const int HashBytes = 32;

    private static readonly PasswordBasedKeyDerivationAlgorithm Argon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(
        new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = MemoryKiB, NumberOfPasses = Passes });

    private readonly PepperGuard _pepper;
    private readonly PhoneHashArgon2id _argon2id;
    private readonly ConcurrencyLimiter _limiter;
    private byte[]? _salt;

    // argon2id: NSec's (libsodium) unless one is registered; the SMS flood benchmark registers
    // Konscious to compare them (docs/decisions.md).
    public PhoneHasher(PepperGuard pepper, IOptions<SmsOptions> options, PhoneHashArgon2id? argon2id = null)
    {
        _pepper = pepper;
        _argon2id = argon2id ?? Hash;
        var value = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, value.HashConcurrency),
            QueueLimit = Math.Max(0, value.HashQueueLimit),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The lowercase hex hash of an E.164 number. Throws <see cref="SmsBusyException"/> when saturated.</summary>
    public async Task<string> HashAsync(string e164, CancellationToken cancellationToken)
    {
        var salt = _salt ??= Salt(await _pepper.GetPepperAsync(cancellationToken));
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new SmsBusyException();
        }

        // Argon2id is CPU- and memory-bound; keep it off the request's synchronous path.
        return await Task.Run(() => _argon2id(salt, e164), cancellationToken);
    }

    /// <summary>The salt for a pepper: BLAKE3 of its ASCII hex text, first 16 bytes.</summary>
    public static byte[] Salt(string pepperHex)
    {
        var salt = new byte[16];
        Blake3.Hasher.Hash(Encoding.ASCII.GetBytes(pepperHex), salt);
        return salt;
    }

    public static string Hash(byte[] salt, string e164)
    {
        Span<byte> output = stackalloc byte[HashBytes];
        Argon2id.DeriveBytes(Encoding.UTF8.GetBytes(e164), salt, output);
        return Convert.ToHexStringLower(output);
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Argon2id with the phone hash's parameters over <paramref name="e164"/>, as lowercase hex.</summary>
internal delegate string PhoneHashArgon2id(byte[] salt, string e164);

/// <summary>Too many phone hashes are running and waiting; the caller answers 503 <c>busy</c>.</summary>
public sealed class SmsBusyException : Exception
{
    public SmsBusyException()
        : base("Too many SMS verification requests are being processed; try again in a second.")
    {
    }

    public SmsBusyException(string message)
        : base(message)
    {
    }

    public SmsBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
