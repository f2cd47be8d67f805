using FsCheck;
using FsCheck.Fluent;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Tests.Crypto;

public sealed class ZBase32Tests
{
    [Fact]
    public void Thirty_two_zero_bytes_are_fifty_two_y()
    {
        Assert.Equal(new string('y', 52), ZBase32.Encode(new byte[32]));
        Assert.True(ZBase32.TryDecodePublicKey(new string('y', 52), out var key));
        Assert.Equal(new byte[32], key);
    }

    [Fact]
    public void Any_bytes_round_trip()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll<byte[]>(data =>
        {
            data ??= [];
            var output = new byte[data.Length];
            return ZBase32.TryDecode(ZBase32.Encode(data), output) && output.AsSpan().SequenceEqual(data);
        }));
    }

    [Theory]
    [InlineData("Yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")] // upper case
    [InlineData("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")] // 51 characters
    [InlineData("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")] // 53 characters
    [InlineData("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyb")] // non-zero pad bit
    [InlineData("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyl")] // 'l' is not in the alphabet
    public void Malformed_keys_are_refused(string text)
    {
        Assert.False(ZBase32.TryDecodePublicKey(text, out _));
    }
}
