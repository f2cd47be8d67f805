namespace Homegate.Verification.Tests.Crypto;

/// <summary>The Blake3 package (the pepper salt's hash) against the reference vectors.</summary>
public sealed class Blake3Tests
{
    // EXTERNALS.md §6: input byte i = i mod 251, 64-byte output, from b3sum. The lengths cross the
    // block (64), chunk (1024) and tree (2049, 4097, 31744, 102400) boundaries.
    [Theory]
    [InlineData(0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a")]
    [InlineData(1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213c3a6cb8bf623e20cdb535f8d1a5ffb86342d9c0b64aca3bce1d31f60adfa137b")]
    [InlineData(64, "4eed7141ea4a5cd4b788606bd23f46e212af9cacebacdc7d1f4c6dc7f2511b98fc9cc56cb831ffe33ea8e7e1d1df09b26efd2767670066aa82d023b1dfe8ab1b")]
    [InlineData(65, "de1e5fa0be70df6d2be8fffd0e99ceaa8eb6e8c93a63f2d8d1c30ecb6b263dee0e16e0a4749d6811dd1d6d1265c29729b1b75a9ac346cf93f0e1d7296dfcfd43")]
    [InlineData(1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af71cf8107265ecdaf8505b95d8fcec83a98a6a96ea5109d2c179c47a387ffbb404")]
    [InlineData(1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444f4c4a22b4b399155358a994e52bf255de60035742ec71bd08ac275a1b51cc6bf")]
    [InlineData(2049, "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b687952256303096de31d71d74103403822a2e0bc1eb193e7aecc9643a76b7bbc0c9f9c52e8783")]
    [InlineData(4097, "9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb99505f91b0b5600a11251652eacfa9497b31cd3c409ce2e45cfe6c0a016967316c4")]
    [InlineData(31744, "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47860cc51f2b0c28a7b77304bd55fe73af663c02d3f52ea053ba43431ca5bab7bf")]
    [InlineData(102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085e01c59dab908c04c3342b816941a26d69c2605ebee5ec5291cc55e15b76146e6")]
    public void Hash_matches_the_b3sum_vectors(int length, string expectedHex)
    {
        var input = new byte[length];
        for (var i = 0; i < length; i++)
        {
            input[i] = (byte)(i % 251);
        }

        Assert.Equal(expectedHex, Convert.ToHexStringLower(Hash(input, 64)));
    }

    [Fact]
    public void Shorter_output_is_a_prefix_of_the_extended_output()
    {
        var input = "homegate"u8.ToArray();
        var longOutput = Hash(input, 200);

        Assert.Equal(longOutput[..32], Blake3.Hasher.Hash(input).AsSpan().ToArray());
        Assert.Equal(longOutput[..16], Hash(input, 16));
        Assert.NotEqual(longOutput[64..96], longOutput[..32]);
    }

    [Fact]
    public void Hash_of_the_reference_pepper_matches_the_rust_homegate()
    {
        // EXTERNALS.md §5: BLAKE3 over the ASCII of the 64-character hex pepper.
        var pepper = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"u8;

        Assert.Equal(
            "b12d91bcebcbecea463bbd02edb632317f0e50c80f1bfa54204a7aee68baf857",
            Convert.ToHexStringLower(Blake3.Hasher.Hash(pepper).AsSpan()));
    }

    private static byte[] Hash(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        Blake3.Hasher.Hash(input, output);
        return output;
    }
}
