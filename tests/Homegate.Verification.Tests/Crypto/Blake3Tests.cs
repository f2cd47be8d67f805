namespace Homegate.Verification.Tests.Crypto;

/// <summary>The Blake3 package (the pepper salt's hash) against the reference vectors.</summary>
public sealed class Blake3Tests
{
    // tests/vectors/blake3.json: input byte i = i mod 251, 64-byte output, from b3sum. The lengths
    // cross the block (64), chunk (1024) and tree (2049, 4097, 31744, 102400) boundaries.
    public static TheoryData<int, string> Vectors => Load();

    [Theory]
    [MemberData(nameof(Vectors))]
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
        // tests/vectors/blake3.json: BLAKE3 over the ASCII of the 64-character hex pepper.
        using var doc = Permits.TestVectors.Load("blake3.json");
        var pepper = doc.RootElement.GetProperty("pepper");

        Assert.Equal(
            pepper.GetProperty("hash").GetString(),
            Convert.ToHexStringLower(Blake3.Hasher.Hash(System.Text.Encoding.ASCII.GetBytes(pepper.GetProperty("text").GetString()!)).AsSpan()));
    }

    private static byte[] Hash(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        Blake3.Hasher.Hash(input, output);
        return output;
    }

    private static TheoryData<int, string> Load()
    {
        using var doc = Permits.TestVectors.Load("blake3.json");
        var data = new TheoryData<int, string>();
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            data.Add(test.GetProperty("input-length").GetInt32(), test.GetProperty("hash").GetString()!);
        }

        return data;
    }
}
