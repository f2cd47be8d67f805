using Homegate.Verification.Crypto;

namespace Homegate.Verification.Tests.Crypto;

public sealed class Base64UrlTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("Zg", "66")]
    [InlineData("Zm8", "666f")]
    [InlineData("Zm9v", "666f6f")]
    [InlineData("-_8", "fbff")]
    public void Canonical_unpadded_text_decodes(string text, string hex)
    {
        Assert.True(Base64Url.TryDecode(text, out var bytes));
        Assert.Equal(hex, Convert.ToHexStringLower(bytes));
        Assert.Equal(text, Base64Url.Encode(bytes));
    }

    [Theory]
    [InlineData("Zg==")] // padding
    [InlineData("Zm8=")]
    [InlineData("+/8")] // standard alphabet
    [InlineData("Zm 9v")] // whitespace
    [InlineData("Zm9v\n")]
    [InlineData("Z")] // impossible length
    [InlineData("Zh")] // non-zero trailing bits: not the canonical text of "f"
    public void Padding_other_alphabets_whitespace_and_non_canonical_text_are_refused(string text)
    {
        Assert.False(Base64Url.TryDecode(text, out var bytes));
        Assert.Empty(bytes);
    }
}
