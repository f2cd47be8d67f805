using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

/// <summary>Issue 10, item 8: validly signed permits with extreme times are judged, never crash.</summary>
public sealed class PermitTimeBoundsTests
{
    [Fact]
    public void Validly_signed_permit_expiring_at_the_end_of_year_9999_is_judged_without_overflow()
    {
        var ring = PermitTestKit.NewRing();
        var verifier = PermitTestKit.Verifier(ring, new ManualTimeProvider(PermitTestKit.Noon));
        var token = PermitTestKit.SignRaw(ring, PermitTestKit.ClaimsJson(exp: "\"9999-12-31T23:59:59Z\""));

        var check = verifier.Verify(token);

        Assert.True(check.IsValid, check.Failure.ToString());
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero), check.Claims!.Expires);
    }

    [Theory]
    [InlineData("\"0001-01-01T00:00:00Z\"", "\"0001-01-01T00:00:30Z\"", PermitFailure.Expired)]
    [InlineData("\"9999-12-31T23:59:59Z\"", "\"9999-12-31T23:59:59Z\"", PermitFailure.Expired)]
    [InlineData("\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.9999999Z\"", PermitFailure.None)]
    public void Validly_signed_permits_at_the_edges_of_time_are_valid_or_expired(string nbf, string exp, PermitFailure expected)
    {
        var ring = PermitTestKit.NewRing();
        var verifier = PermitTestKit.Verifier(ring, new ManualTimeProvider(PermitTestKit.Noon));
        var token = PermitTestKit.SignRaw(ring, PermitTestKit.ClaimsJson(iat: nbf, nbf: nbf, exp: exp));

        Assert.Equal(expected, verifier.Verify(token).Failure);
    }
}
