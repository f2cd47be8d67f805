using System.Text;
using Homegate.Verification.Sms;
using Konscious.Security.Cryptography;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// The phone hash's Argon2id through Konscious (managed), for the side-by-side flood comparison with
/// NSec's libsodium Argon2id that homegate uses (docs/decisions.md).
/// </summary>
internal static class KonsciousArgon2id
{
    public static readonly PhoneHashArgon2id Hash = (salt, e164) =>
    {
        using var argon2 = new Argon2id(Encoding.UTF8.GetBytes(e164))
        {
            Salt = salt,
            DegreeOfParallelism = 1,
            MemorySize = PhoneHasher.MemoryKiB,
            Iterations = PhoneHasher.Passes,
        };
        return Convert.ToHexStringLower(argon2.GetBytes(PhoneHasher.HashBytes));
    };
}
