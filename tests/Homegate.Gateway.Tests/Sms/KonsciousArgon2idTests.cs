using Homegate.Verification.Sms;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>The benchmark's alternative Argon2id must compute the same phone hash as homegate's.</summary>
public sealed class KonsciousArgon2idTests
{
    [Fact]
    public void Konscious_and_nsec_give_the_same_phone_hash()
    {
        var salt = PhoneHasher.Salt("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

        Assert.Equal(PhoneHasher.Hash(salt, "+1234567890"), KonsciousArgon2id.Hash(salt, "+1234567890"));
        Assert.Equal("86d291d8ce2d590fea59463d13a8ddd33842b7887ab84d88bc13e95e92c4b883", KonsciousArgon2id.Hash(salt, "+1234567890"));
    }
}
