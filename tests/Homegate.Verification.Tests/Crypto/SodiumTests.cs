using Homegate.Verification.Crypto;

namespace Homegate.Verification.Tests.Crypto;

public sealed class SodiumTests
{
    [Fact]
    public void Blake2b_512_of_empty_input_matches_the_reference()
    {
        var hash = new byte[64];

        Sodium.Blake2b([], hash);

        Assert.Equal(
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
            Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Ed25519_signature_verifies_only_for_its_message_and_key()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var pk = new byte[32];
        var sk = new byte[64];
        Sodium.Ed25519KeyPairFromSeed(seed, pk, sk);
        var signature = new byte[64];

        Sodium.Ed25519Sign(sk, "hello"u8, signature);

        Assert.Equal(seed, sk[..32]);
        Assert.Equal(pk, sk[32..]);
        Assert.True(Sodium.Ed25519Verify(pk, "hello"u8, signature));
        Assert.False(Sodium.Ed25519Verify(pk, "hellO"u8, signature));
        var otherPk = (byte[])pk.Clone();
        otherPk[0] ^= 1;
        Assert.False(Sodium.Ed25519Verify(otherPk, "hello"u8, signature));
        signature[10] ^= 1;
        Assert.False(Sodium.Ed25519Verify(pk, "hello"u8, signature));
        Assert.False(Sodium.Ed25519Verify(pk, "hello"u8, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void Ed25519_key_from_seed_matches_rfc8032_test_1()
    {
        var seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        var pk = new byte[32];
        var sk = new byte[64];
        var signature = new byte[64];

        Sodium.Ed25519KeyPairFromSeed(seed, pk, sk);
        Sodium.Ed25519Sign(sk, [], signature);

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(pk));
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(signature));
    }
}
