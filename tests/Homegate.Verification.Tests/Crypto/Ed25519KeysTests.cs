using Homegate.Verification.Crypto;
using NSec.Cryptography;

namespace Homegate.Verification.Tests.Crypto;

/// <summary>Our use of NSec: the 64-byte seed ‖ public key form, sign/verify, and BLAKE2b as PASERK needs it.</summary>
public sealed class Ed25519KeysTests
{
    [Fact]
    public void Blake2b_512_of_empty_input_matches_the_reference()
    {
        var hash = HashAlgorithm.Blake2b_512.Hash([]);

        Assert.Equal(
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
            Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Ed25519_signature_verifies_only_for_its_message_and_key()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var sk = SecretKeyFromSeed(seed);
        var pk = sk[32..];

        var signature = Ed25519Keys.Sign(sk, "hello"u8);

        Assert.Equal(seed, sk[..32]);
        Assert.True(Ed25519Keys.Verify(pk, "hello"u8, signature));
        Assert.False(Ed25519Keys.Verify(pk, "hellO"u8, signature));
        var otherPk = (byte[])pk.Clone();
        otherPk[0] ^= 1;
        Assert.False(Ed25519Keys.Verify(otherPk, "hello"u8, signature));
        signature[10] ^= 1;
        Assert.False(Ed25519Keys.Verify(pk, "hello"u8, signature));
        Assert.False(Ed25519Keys.Verify(pk, "hello"u8, signature.AsSpan(0, 63)));
        Assert.False(Ed25519Keys.Verify(pk.AsSpan(0, 31), "hello"u8, signature));
    }

    [Fact]
    public void Ed25519_key_from_seed_matches_rfc8032_test_1()
    {
        var sk = SecretKeyFromSeed(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        var signature = Ed25519Keys.Sign(sk, []);

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(sk[32..]));
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(signature));
    }

    [Fact]
    public void A_secret_key_whose_public_half_does_not_match_its_seed_is_refused()
    {
        var sk = Ed25519Keys.NewSecretKey();
        Assert.True(Ed25519Keys.TryImportSecretKey(sk, exportable: false, out var key));
        key.Dispose();

        var forged = (byte[])sk.Clone();
        forged[40] ^= 1;
        Assert.False(Ed25519Keys.TryImportSecretKey(forged, exportable: false, out _));
        Assert.False(Ed25519Keys.TryImportSecretKey(sk.AsSpan(0, 63), exportable: false, out _));
        Assert.Throws<ArgumentException>(() => Ed25519Keys.Sign(forged, "x"u8));
    }

    [Fact]
    public void An_exportable_key_exports_the_same_64_bytes_and_a_plain_one_refuses()
    {
        var sk = Ed25519Keys.NewSecretKey();

        Assert.True(Ed25519Keys.TryImportSecretKey(sk, exportable: true, out var exportable));
        using (exportable)
        {
            Assert.Equal(sk, Ed25519Keys.ExportSecretKey(exportable));
        }

        Assert.True(Ed25519Keys.TryImportSecretKey(sk, exportable: false, out var sealedKey));
        using (sealedKey)
        {
            Assert.ThrowsAny<InvalidOperationException>(() => Ed25519Keys.ExportSecretKey(sealedKey));
        }
    }

    private static byte[] SecretKeyFromSeed(byte[] seed)
    {
        using var key = Key.Import(Ed25519Keys.Algorithm, seed, KeyBlobFormat.RawPrivateKey);
        return [.. seed, .. key.PublicKey.Export(KeyBlobFormat.RawPublicKey)];
    }
}
