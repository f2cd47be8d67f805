using Homegate.Verification.Redemptions;

namespace Homegate.Verification.Tests.Redemptions;

public sealed class SignupCodesTests
{
    [Fact]
    public void Generated_codes_have_the_homeserver_shape_use_only_crockford_symbols_and_do_not_repeat()
    {
        var codes = Enumerable.Range(0, 20_000).Select(_ => SignupCodes.Generate()).ToList();
        Assert.All(codes, c => Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", c));
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());

        // Every one of the 32 symbols shows up in every position (60 bits, not fewer).
        for (var position = 0; position < SignupCodes.Length; position++)
        {
            if (position is 4 or 9)
            {
                continue;
            }

            Assert.Equal(32, codes.Select(c => c[position]).Distinct().Count());
        }
    }

    [Theory]
    [InlineData("ABCD-EFGH-JKMN", "ABCD-EFGH-JKMN")]
    [InlineData("  abcd-efgh-jkmn \t", "ABCD-EFGH-JKMN")]
    [InlineData("ABCD-EFGH-IJKL", "ABCD-EFGH-1JK1")]
    [InlineData("oooo-0000-llll", "0000-0000-1111")]
    public void Canonical_form_upper_cases_trims_and_folds_read_alikes(string typed, string canonical)
    {
        Assert.True(SignupCodes.TryCanonicalize(typed, out var result));
        Assert.Equal(canonical, result);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("ABCD-EFGH-JKM")]
    [InlineData("ABCDEFGHJKMN")]
    [InlineData("ABCD_EFGH_JKMN")]
    [InlineData("ABCD-EFGH-JKMNP")]
    [InlineData("ABCD-EF H-JKMN")]
    [InlineData("v4.public.eyJ")]
    public void Values_without_the_code_shape_are_not_codes(string? value)
    {
        Assert.False(SignupCodes.HasCodeShape(value));
        Assert.False(SignupCodes.TryCanonicalize(value, out _));
    }

    [Fact]
    public void A_code_shaped_value_with_a_U_has_the_shape_but_cannot_be_homegates()
    {
        Assert.True(SignupCodes.HasCodeShape("UUUU-0000-1111"));
        Assert.False(SignupCodes.TryCanonicalize("UUUU-0000-1111", out _));
    }

    [Fact]
    public void Codes_from_bits_use_the_first_60_bits()
    {
        Assert.Equal("0000-0000-0000", SignupCodes.FromBits(new byte[8]));
        Assert.Equal("ZZZZ-ZZZZ-ZZZZ", SignupCodes.FromBits([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0]));
        Assert.Equal("ZZZZ-ZZZZ-ZZZZ", SignupCodes.FromBits([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.Equal("0000-0000-0001", SignupCodes.FromBits([0, 0, 0, 0, 0, 0, 0, 0x10]));
    }
}
