using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Tests.Permits;

/// <summary>A clock the tests set by hand: permits are judged against it, nobody sleeps.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

internal static class PermitTestKit
{
    public static readonly DateTimeOffset Noon = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A real homeserver key (z32 of 32 bytes 0x01..0x20).</summary>
    public static readonly string HomeserverKey = ZBase32.Encode(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public static readonly string OtherHomeserver = ZBase32.Encode(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    public static readonly string User = ZBase32.Encode(Enumerable.Range(50, 32).Select(i => (byte)i).ToArray());

    public static PermitKeyRing NewRing(params string[] trusted) => new(PermitKey.Generate(), trusted.Length == 0 ? [] : PermitKeyRing.ParseTrustedKeys(trusted));

    public static IOptions<PermitOptions> Options(string issuer = "homegate", TimeSpan? lifetime = null) =>
        Microsoft.Extensions.Options.Options.Create(new PermitOptions { Issuer = issuer, Lifetime = lifetime ?? TimeSpan.FromMinutes(15) });

    public static PermitIssuer Issuer(PermitKeyRing ring, TimeProvider time, string homeserver = "", string issuer = "homegate") =>
        new(ring, Options(issuer), new HomeserverIdentity(homeserver.Length == 0 ? HomeserverKey : homeserver), time);

    public static PermitVerifier Verifier(PermitKeyRing ring, TimeProvider time, string homeserver = "", string issuer = "homegate") =>
        new(ring, Options(issuer), new HomeserverIdentity(homeserver.Length == 0 ? HomeserverKey : homeserver), time);

    /// <summary>Signs arbitrary claims JSON with the ring's signing key and the right footer.</summary>
    public static string SignRaw(PermitKeyRing ring, string claimsJson, string? kid = null) =>
        Paseto.Sign(ring.Signing.SecretKey!, System.Text.Encoding.UTF8.GetBytes(claimsJson), System.Text.Encoding.UTF8.GetBytes("{\"kid\":\"" + (kid ?? ring.Signing.Kid) + "\"}"), []);

    public static string ClaimsJson(
        string iss = "\"homegate\"", string? aud = null, string jti = "\"sms:1\"", string iat = "\"2026-11-21T12:00:00Z\"",
        string nbf = "\"2026-11-21T12:00:00Z\"", string exp = "\"2026-11-21T12:15:00Z\"", string mth = "\"sms\"", string? sub = null)
    {
        var members = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                members.Add("\"" + name + "\":" + value);
            }
        }

        Add("iss", iss);
        Add("aud", aud ?? "\"" + HomeserverKey + "\"");
        Add("jti", jti);
        Add("iat", iat);
        Add("nbf", nbf);
        Add("exp", exp);
        Add("mth", mth);
        Add("sub", sub);
        return "{" + string.Join(",", members) + "}";
    }
}

/// <summary>Finds the repository's files: the test vectors in <c>tests/vectors</c>, and the root itself.</summary>
internal static class TestVectors
{
    public static string Path(string name) => System.IO.Path.Combine(RepositoryRoot(), "tests", "vectors", name);

    public static System.Text.Json.JsonDocument Load(string name) => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path(name)));

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Homegate.sln")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, $"No directory containing Homegate.sln above {AppContext.BaseDirectory}.");
        return dir!.FullName;
    }
}
