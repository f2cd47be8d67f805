using System.Text.Json;
using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

public sealed class PermitClaimsTests
{
    [Fact]
    public void Claims_serialise_with_short_names_and_utc_second_times_and_read_back()
    {
        var claims = new PermitClaims(
            "homegate", PermitTestKit.HomeserverKey, "ln:7", PermitTestKit.Noon, PermitTestKit.Noon,
            PermitTestKit.Noon.AddMinutes(15), PermitMethods.Lightning, null);

        var json = JsonSerializer.Serialize(claims, PermitJsonContext.Default.PermitClaims);

        Assert.Equal(
            "{\"iss\":\"homegate\",\"aud\":\"" + PermitTestKit.HomeserverKey + "\",\"jti\":\"ln:7\",\"iat\":\"2026-11-21T12:00:00Z\"," +
            "\"nbf\":\"2026-11-21T12:00:00Z\",\"exp\":\"2026-11-21T12:15:00Z\",\"mth\":\"lightning\"}",
            json);
        Assert.Equal(claims, JsonSerializer.Deserialize(json, PermitJsonContext.Default.PermitClaims));
        Assert.True(PermitVerifier.TryReadClaims(System.Text.Encoding.UTF8.GetBytes(json), out var strict));
        Assert.Equal(claims, strict);
    }
}
