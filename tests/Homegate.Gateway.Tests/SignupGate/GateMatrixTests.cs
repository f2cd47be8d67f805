using System.Net;
using Homegate.Fakes;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;

namespace Homegate.Gateway.Tests.SignupGate;

/// <summary>API.md §3: every way a permit can be wrong is refused with its status and code, and the
/// homeserver receives nothing.</summary>
public sealed class GateMatrixTests(GateFixture fixture) : IClassFixture<GateFixture>
{
    private readonly HttpClient _client = fixture.Gateway.Client;

    private string ValidPermit(string? subject = null) =>
        fixture.Gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", subject).Token;

    private async Task AssertRefusedAndNotForwarded(HttpResponseMessage response, HttpStatusCode status, string code, string? permit = null)
    {
        await response.AssertProblemAsync(status, code, mustNotContain: permit);
        Assert.Empty(fixture.Homeserver.SignupRequests);
        Assert.Equal(0, fixture.Homeserver.CrashCount);
    }

    private void Reset() => fixture.Homeserver.ClearRecorded();

    [Fact]
    public async Task Signup_without_permit_is_rejected_with_401_and_not_forwarded()
    {
        Reset();
        var body = Signups.NewAuthToken(out _);
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(null, body), HttpStatusCode.Unauthorized, "permit-missing");
        await AssertRefusedAndNotForwarded(await _client.PostGrantSignupAsync(null, "{}"), HttpStatusCode.Unauthorized, "permit-missing");
    }

    [Theory]
    [InlineData("not-a-permit")]
    [InlineData("v4.public.")]
    [InlineData("v4.public.AAAA")]
    [InlineData("v4.local.eyJhIjoxfQ")]
    [InlineData("v2.public.eyJhIjoxfQ")]
    public async Task Malformed_permit_is_rejected_as_invalid_and_not_forwarded(string permit)
    {
        Reset();
        var body = Signups.NewAuthToken(out _);
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, body), HttpStatusCode.Forbidden, "permit-invalid");
    }

    [Fact]
    public async Task Tampered_permit_is_rejected_as_invalid_and_not_forwarded()
    {
        Reset();
        var permit = ValidPermit();
        var chars = permit.ToCharArray();
        var i = "v4.public.".Length + 20;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        var tampered = new string(chars);
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(tampered, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-invalid", tampered);
    }

    [Fact]
    public async Task Permit_signed_by_an_unknown_key_is_rejected_as_invalid()
    {
        Reset();
        var foreign = fixture.Gateway.IssuerWith(keys: new PermitKeyRing(PermitKey.Generate(), []));
        var permit = foreign.Issue("inv:foreign", "invite", null).Token;
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-invalid");
    }

    [Fact]
    public async Task Permit_with_a_wrong_issuer_is_rejected_as_invalid()
    {
        Reset();
        var wrongIssuer = fixture.Gateway.IssuerWith(issuer: "someone-else");
        var permit = wrongIssuer.Issue("inv:wrong-iss", "invite", null).Token;
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-invalid");
    }

    [Fact]
    public async Task Permit_for_another_homeserver_is_rejected_as_wrong_audience()
    {
        Reset();
        var elsewhere = fixture.Gateway.IssuerWith(audience: new HomeserverIdentity(UserKey.Generate().PublicKeyZ32));
        var permit = elsewhere.Issue("inv:elsewhere", "invite", null).Token;
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-wrong-audience");
    }

    [Fact]
    public async Task Expired_permit_is_rejected()
    {
        Reset();
        var past = fixture.Gateway.IssuerWith(time: new ManualTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)));
        var permit = past.Issue("inv:expired", "invite", null).Token;
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-expired");
    }

    [Fact]
    public async Task Not_yet_valid_permit_is_rejected_as_expired()
    {
        Reset();
        var future = fixture.Gateway.IssuerWith(time: new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(5)));
        var permit = future.Issue("inv:future", "invite", null).Token;
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-expired");
    }

    [Fact]
    public async Task Permit_expired_by_less_than_the_allowed_skew_is_still_accepted()
    {
        Reset();
        var almost = fixture.Gateway.IssuerWith(time: new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-15).AddSeconds(-30)));
        var permit = almost.Issue("inv:skew-" + Guid.NewGuid().ToString("N"), "invite", null).Token;
        var response = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Permit_bound_to_another_key_is_rejected_as_subject_mismatch()
    {
        Reset();
        var permit = ValidPermit(subject: UserKey.Generate().PublicKeyZ32);
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _)), HttpStatusCode.Forbidden, "permit-subject-mismatch");

        var grant = Grants.Create(UserKey.Generate(), fixture.Homeserver.PublicKeyZ32, DateTimeOffset.UtcNow);
        await AssertRefusedAndNotForwarded(await _client.PostGrantSignupAsync(permit, grant.Json), HttpStatusCode.Forbidden, "permit-subject-mismatch");
    }

    [Fact]
    public async Task Permit_bound_to_the_signing_key_is_accepted()
    {
        Reset();
        var body = Signups.NewAuthToken(out var user);
        var response = await _client.PostSignupAsync(ValidPermit(subject: user.PublicKeyZ32), body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.PublicKeyZ32, fixture.Homeserver.Users);
    }

    [Fact]
    public async Task Reused_permit_is_rejected_and_not_forwarded()
    {
        var permit = ValidPermit();
        var first = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        Reset();
        var second = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        await AssertRefusedAndNotForwarded(second, HttpStatusCode.Conflict, "permit-already-used", permit);
        var asHeader = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _), inHeader: true);
        await AssertRefusedAndNotForwarded(asHeader, HttpStatusCode.Conflict, "permit-already-used", permit);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3 })]
    public async Task Short_or_malformed_AuthToken_is_a_400_not_forwarded_and_does_not_consume_the_permit(byte[] body)
    {
        Reset();
        var permit = ValidPermit();
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, body), HttpStatusCode.BadRequest, "invalid-signup-body");

        var seventyFive = Signups.NewAuthToken(out _)[..75];
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, seventyFive), HttpStatusCode.BadRequest, "invalid-signup-body");

        var notAuth = Signups.NewAuthToken(out _);
        notAuth[64] = (byte)'X';
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(permit, notAuth), HttpStatusCode.BadRequest, "invalid-signup-body");

        var ok = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Oversized_signup_body_is_a_400_and_not_forwarded()
    {
        Reset();
        var body = new byte[20 * 1024];
        Signups.NewAuthToken(out _).CopyTo(body, 0);
        await AssertRefusedAndNotForwarded(await _client.PostSignupAsync(ValidPermit(), body), HttpStatusCode.BadRequest, "invalid-signup-body");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("{\"grant\":\"a.b.c\",\"pop\":\"x\"}")]
    [InlineData("{\"grant\":\"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJub3Qta2V5In0.c2ln\",\"pop\":\"x\"}")]
    public async Task Malformed_grant_body_is_a_400_and_not_forwarded(string json)
    {
        Reset();
        await AssertRefusedAndNotForwarded(await _client.PostGrantSignupAsync(ValidPermit(), json), HttpStatusCode.BadRequest, "invalid-signup-body");
    }

    [Theory]
    [InlineData("/SIGNUP")]
    [InlineData("/signup/")]
    [InlineData("//signup")]
    [InlineData("/%73ignup")]
    [InlineData("/%2573ignup")]
    [InlineData("/x/../signup")]
    [InlineData("/Auth/Grant/SignUp")]
    [InlineData("/auth//grant/signup/")]
    [InlineData("/auth%2Fgrant%2Fsignup")]
    [InlineData("/auth/grant/%53ignup")]
    public async Task Path_variants_of_the_signup_endpoints_are_gated(string path)
    {
        Reset();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Gateway.BaseUrl.GetLeftPart(UriPartial.Authority) + path))
        {
            Content = new ByteArrayContent(Signups.NewAuthToken(out _)),
        };
        await AssertRefusedAndNotForwarded(await _client.SendAsync(request), HttpStatusCode.Unauthorized, "permit-missing");
    }

    [Fact]
    public async Task Valid_signup_reaches_the_homeserver_with_a_minted_token_instead_of_the_permit()
    {
        Reset();
        var permit = ValidPermit();
        var body = Signups.NewAuthToken(out var user);
        var response = await _client.PostSignupAsync(permit, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(user.PublicKeyZ32 + "=", cookie, StringComparison.Ordinal);
        Assert.Contains("HttpOnly", cookie, StringComparison.Ordinal);

        var forwarded = Assert.Single(fixture.Homeserver.SignupRequests);
        Assert.Equal(body, forwarded.Body);
        Assert.True(SignupTokens.IsValidFormat(forwarded.Query("signup_token")));
        Assert.DoesNotContain(permit, forwarded.QueryString, StringComparison.Ordinal);
        Assert.Null(forwarded.Header("Homegate-Permit"));
        Assert.Contains(user.PublicKeyZ32, fixture.Homeserver.Users);
    }

    [Fact]
    public async Task Permit_in_the_header_works_and_is_not_forwarded()
    {
        Reset();
        var permit = ValidPermit();
        var response = await _client.PostSignupAsync(permit, Signups.NewAuthToken(out _), inHeader: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Homeserver.SignupRequests);
        Assert.Null(forwarded.Header("Homegate-Permit"));
        Assert.True(SignupTokens.IsValidFormat(forwarded.Query("signup_token")));
    }

    [Fact]
    public async Task Grant_signup_with_a_valid_permit_succeeds_with_204()
    {
        Reset();
        var user = UserKey.Generate();
        var grant = Grants.Create(user, fixture.Homeserver.PublicKeyZ32, DateTimeOffset.UtcNow);
        var response = await _client.PostGrantSignupAsync(ValidPermit(subject: user.PublicKeyZ32), grant.Json);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(user.PublicKeyZ32, fixture.Homeserver.Users);
    }
}
