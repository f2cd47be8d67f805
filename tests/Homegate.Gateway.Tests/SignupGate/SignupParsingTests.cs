using FsCheck;
using FsCheck.Fluent;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.SignupGate;

namespace Homegate.Gateway.Tests.SignupGate;

public sealed class SignupParsingTests
{
    [Theory]
    [InlineData("/signup", "Signup")]
    [InlineData("/SignUp/", "Signup")]
    [InlineData("///signup//", "Signup")]
    [InlineData("/%73%69%67%6e%75%70", "Signup")]
    [InlineData("/%2573ignup", "Signup")]
    [InlineData("/a/b/../../signup", "Signup")]
    [InlineData("/./signup", "Signup")]
    [InlineData("\\signup", "Signup")]
    [InlineData("/auth/grant/signup", "GrantSignup")]
    [InlineData("/auth%2Fgrant%2Fsignup", "GrantSignup")]
    [InlineData("/AUTH/GRANT/SIGNUP/", "GrantSignup")]
    [InlineData("/signup_tokens/ABCD-EFGH-JKMN", "None")]
    [InlineData("/signupx", "None")]
    [InlineData("/pub/signup", "None")]
    [InlineData("/auth/grant/session", "None")]
    [InlineData("/", "None")]
    [InlineData("", "None")]
    public void Signup_paths_are_recognised_in_any_spelling(string path, string expected) =>
        Assert.Equal(Enum.Parse<SignupEndpoint>(expected), SignupPaths.Classify(path));

    [Fact]
    public void Classifying_arbitrary_paths_never_throws() =>
        Prop.ForAll<string>(path => { _ = SignupPaths.Classify(path); return true; }).QuickCheckThrowOnFailure();

    [Fact]
    public void Case_and_slash_variants_of_signup_are_always_recognised() =>
        Prop.ForAll(Gen.Elements("/", "//", "///").ToArbitrary(), Gen.Elements("signup", "SIGNUP", "Signup", "sIgNuP", "%73ignup").ToArbitrary(), Gen.Elements("", "/", "//").ToArbitrary(),
            (lead, word, trail) => SignupPaths.Classify(lead + word + trail) == SignupEndpoint.Signup).QuickCheckThrowOnFailure();

    [Fact]
    public void AuthToken_subject_is_the_user_public_key()
    {
        var user = UserKey.Generate();
        Assert.True(SignupBody.TryReadAuthTokenSubject(AuthTokens.Create(user, DateTimeOffset.UtcNow), out var subject, out _));
        Assert.Equal(user.PublicKeyZ32, subject);
    }

    [Fact]
    public void Truncated_or_extended_AuthTokens_do_not_parse()
    {
        var token = AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow);
        for (var length = 0; length < token.Length; length++)
        {
            Assert.False(SignupBody.TryReadAuthTokenSubject(token.AsSpan(0, length), out _, out _), $"length {length}");
        }

        Assert.False(SignupBody.TryReadAuthTokenSubject([.. token, 0], out _, out _));
    }

    [Fact]
    public void Arbitrary_bytes_never_throw_and_never_parse_without_the_namespace() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            var parsed = SignupBody.TryReadAuthTokenSubject(bytes, out _, out _);
            var grant = SignupBody.TryReadGrantSubject(bytes, out _, out _);
            return (!parsed || bytes.AsSpan(64, 10).SequenceEqual("PUBKY:AUTH"u8)) && !grant;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Grant_subject_is_the_grant_issuer()
    {
        var user = UserKey.Generate();
        var grant = Grants.Create(user, UserKey.Generate().PublicKeyZ32, DateTimeOffset.UtcNow);
        Assert.True(SignupBody.TryReadGrantSubject(System.Text.Encoding.UTF8.GetBytes(grant.Json), out var subject, out _));
        Assert.Equal(user.PublicKeyZ32, subject);
    }
}
