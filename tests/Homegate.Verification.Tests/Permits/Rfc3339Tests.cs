using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2026-11-21T12:00:00Z", "2026-11-21T12:00:00.0000000+00:00")]
    [InlineData("2026-11-21t12:00:00z", "2026-11-21T12:00:00.0000000+00:00")]
    [InlineData("2026-11-21T13:30:00+01:30", "2026-11-21T12:00:00.0000000+00:00")]
    [InlineData("2026-11-21T10:00:00-02:00", "2026-11-21T12:00:00.0000000+00:00")]
    [InlineData("2026-11-21T12:00:00.5Z", "2026-11-21T12:00:00.5000000+00:00")]
    [InlineData("2026-11-21T12:00:00.123456789Z", "2026-11-21T12:00:00.1234567+00:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000+00:00")]
    [InlineData("2022-01-01T00:00:00+00:00", "2022-01-01T00:00:00.0000000+00:00")]
    public void Valid_date_times_parse_to_utc(string text, string expectedRoundTrip)
    {
        Assert.True(Rfc3339.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(expectedRoundTrip, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-21T12:00:00")] // no offset
    [InlineData("2026-11-21 12:00:00Z")]
    [InlineData("2026-11-21T12:00Z")]
    [InlineData("2026-11-21T12:00:00.Z")]
    [InlineData("2026-11-21T12:00:00+0100")]
    [InlineData("2026-11-21T12:00:00+24:00")]
    [InlineData("2026-13-01T12:00:00Z")]
    [InlineData("2023-02-29T12:00:00Z")]
    [InlineData("2026-11-21T24:00:00Z")]
    [InlineData("2026-11-21T12:60:00Z")]
    [InlineData("2026-11-21T12:00:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")] // before DateTimeOffset.MinValue in UTC
    [InlineData("2026-11-21T12:00:00Z ")]
    [InlineData("+2026-11-21T12:00:00Z")]
    [InlineData("2026-11-2１T12:00:00Z")] // non-ASCII digit
    public void Malformed_date_times_are_refused(string text)
    {
        Assert.False(Rfc3339.TryParse(text, out _));
    }

    [Fact]
    public void Format_writes_utc_whole_seconds_with_z()
    {
        var value = new DateTimeOffset(2026, 11, 21, 13, 0, 0, 999, TimeSpan.FromHours(1));

        Assert.Equal("2026-11-21T12:00:00Z", Rfc3339.Format(value));
    }
}
