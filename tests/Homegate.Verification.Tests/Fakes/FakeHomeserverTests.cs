// Test names are behaviour sentences with underscores (house style); CA1707 does not apply to them.
#pragma warning disable CA1707

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Pubky;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Tests.Fakes;

public sealed partial class FakeHomeserverTests : IAsyncLifetime
{
    // Cookies off: the tests read Set-Cookie themselves. Shared, as HttpClient is meant to be.
    private static readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
    private FakeHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await FakeHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Root_auth_token_has_the_postcard_layout_and_a_valid_signature()
    {
        var key = UserKey.Generate();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var token = AuthTokens.Create(key, at);

        Assert.Equal(120, token.Length);
        Assert.Equal("PUBKY:AUTH"u8.ToArray(), token[64..74]);
        Assert.Equal(0, token[74]);
        Assert.Equal(1_700_000_000_123_000UL, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(token.AsSpan(75)));
        Assert.Equal(key.PublicKey, token[83..115]);
        Assert.Equal(new byte[] { 0x04, 0x2F, 0x3A, 0x72, 0x77 }, token[115..]);
        Assert.True(Ed25519Keys.Verify(key.PublicKey, token.AsSpan(65), token.AsSpan(0, 64)));
        Assert.True(AuthTokens.TryParse(token, out var parsed));
        Assert.Equal(key.PublicKeyZ32, parsed.PublicKeyZ32);
        Assert.Equal("/:rw", parsed.Capabilities);
        Assert.Equal(at, parsed.Timestamp);
    }

    [Fact]
    public async Task Minted_signup_tokens_have_the_homeserver_format_and_are_counted()
    {
        var first = await MintAsync();
        var second = await MintAsync();

        Assert.Matches(TokenFormat(), first);
        Assert.Matches(TokenFormat(), second);
        Assert.NotEqual(first, second);
        Assert.Equal(2, _server.MintedTokenCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Admin_api_without_the_right_password_is_401_plain_text(string? password)
    {
        foreach (var path in new[] { "/info", "/generate_signup_token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _server.AdminUrl + path);
            if (password is not null)
            {
                request.Headers.Add("X-Admin-Password", password);
            }

            using var response = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, _server.MintedTokenCount);
    }

    [Fact]
    public async Task Admin_info_reports_the_homeserver_public_key()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.AdminUrl + "/info");
        request.Headers.Add("X-Admin-Password", _server.AdminPassword);
        using var response = await _http.SendAsync(request);

        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(_server.PublicKeyZ32, json["public_key"]!.GetValue<string>());
        Assert.True(ZBase32.TryDecodePublicKey(_server.PublicKeyZ32, out _));
    }

    [Fact]
    public async Task Signup_with_a_minted_token_succeeds_once_and_sets_the_session_cookie()
    {
        var token = await MintAsync();
        var user = UserKey.Generate();

        using var ok = await SignupAsync(AuthTokens.Create(user, DateTimeOffset.UtcNow), token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var cookie = Assert.Single(ok.Headers.GetValues("Set-Cookie"));
        Assert.Matches($"^{user.PublicKeyZ32}=[A-Za-z0-9_-]+; Path=/; HttpOnly; Max-Age=31536000", cookie);
        Assert.NotEmpty(await ok.Content.ReadAsByteArrayAsync());
        Assert.Contains(user.PublicKeyZ32, _server.Users);
        Assert.Equal(user.PublicKeyZ32, _server.SignupTokens[token]);

        using var reused = await SignupAsync(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow), token);
        await AssertTextAsync(reused, HttpStatusCode.Unauthorized, "Token already used");
        Assert.Single(_server.Users);
    }

    [Fact]
    public async Task Session_cookie_from_signup_authenticates_get_session()
    {
        var user = UserKey.Generate();
        using var ok = await SignupAsync(AuthTokens.Create(user, DateTimeOffset.UtcNow), await MintAsync());
        var cookie = ok.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        using var request = new HttpRequestMessage(HttpMethod.Get, _server.ClientUrl + "session");
        request.Headers.Add("Cookie", cookie);
        using var session = await _http.SendAsync(request);
        await AssertTextAsync(session, HttpStatusCode.OK, user.PublicKeyZ32);

        using var anonymous = await _http.GetAsync(_server.ClientUrl + "session");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Signup_token_errors_match_the_real_homeserver()
    {
        using var missing = await SignupAsync(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow), null);
        await AssertTextAsync(missing, HttpStatusCode.BadRequest, "Token required");

        using var unknown = await SignupAsync(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow), "AAAA-BBBB-CCCC");
        await AssertTextAsync(unknown, HttpStatusCode.Unauthorized, "Invalid token");

        using var malformed = await SignupAsync(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow), "v4.public.abc");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.StartsWith("Invalid signup token format", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Empty(_server.Users);
    }

    [Fact]
    public async Task Malformed_signup_token_is_400_even_in_open_mode_and_open_mode_needs_no_token()
    {
        await using var open = await FakeHomeserver.StartAsync(new FakeHomeserverOptions { SignupMode = FakeSignupMode.Open });
        using var bad = await _http.PostAsync(open.ClientUrl + "signup?signup_token=not-a-token",
            new ByteArrayContent(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        using var ok = await _http.PostAsync(open.ClientUrl + "signup",
            new ByteArrayContent(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Single(open.Users);
    }

    [Fact]
    public async Task Body_of_75_bytes_or_fewer_crashes_the_handler_with_500()
    {
        var token = await MintAsync();
        using var response = await SignupAsync(new byte[75], token);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, _server.CrashCount);
        Assert.Null(_server.SignupTokens[token]);
    }

    [Fact]
    public async Task Replayed_auth_token_is_rejected_like_the_real_verifier()
    {
        var body = AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow);
        using var first = await SignupAsync(body, await MintAsync());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // The real AuthVerifier answers a replay with 400 before looking at users or tokens.
        var unused = await MintAsync();
        using var replay = await SignupAsync(body, unused);
        await AssertTextAsync(replay, HttpStatusCode.BadRequest, "AuthToken already used");
        Assert.Null(_server.SignupTokens[unused]);
    }

    [Fact]
    public async Task Auth_token_outside_the_180_second_window_or_badly_signed_is_rejected()
    {
        using var old = await SignupAsync(AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow.AddSeconds(-200)), await MintAsync());
        await AssertTextAsync(old, HttpStatusCode.BadRequest, "AuthToken has a timestamp that is more than 3 minutes in the past");

        var tampered = AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow, "/pub/:rw");
        tampered[^1] ^= 1;
        using var badSignature = await SignupAsync(tampered, await MintAsync());
        await AssertTextAsync(badSignature, HttpStatusCode.BadRequest, "Invalid Signature");

        Assert.Empty(_server.Users);
    }

    [Fact]
    public async Task Existing_user_gets_409_and_the_signup_token_is_not_consumed()
    {
        var user = UserKey.Generate();
        _server.AddExistingUser(user.PublicKeyZ32);
        var token = await MintAsync();

        using var response = await SignupAsync(AuthTokens.Create(user, DateTimeOffset.UtcNow), token);

        await AssertTextAsync(response, HttpStatusCode.Conflict, "User already exists");
        Assert.Null(_server.SignupTokens[token]);
    }

    [Fact]
    public async Task Grant_signup_with_a_valid_grant_creates_the_user_and_answers_204()
    {
        var user = UserKey.Generate();
        var token = await MintAsync();

        using var response = await GrantSignupAsync(Grants.Create(user, _server.PublicKeyZ32, DateTimeOffset.UtcNow).Json, token);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(user.PublicKeyZ32, _server.Users);
        Assert.Equal(user.PublicKeyZ32, _server.SignupTokens[token]);
        Assert.Equal(user.PublicKeyZ32, Grants.TryReadIssuer(Assert.Single(_server.SignupRequests).Body));

        using var again = await GrantSignupAsync(Grants.Create(user, _server.PublicKeyZ32, DateTimeOffset.UtcNow).Json, await MintAsync());
        await AssertTextAsync(again, HttpStatusCode.Conflict, "User already exists");
    }

    [Fact]
    public async Task Grant_signed_by_another_key_or_pop_for_another_homeserver_is_rejected()
    {
        var user = UserKey.Generate();
        var forged = Grants.Create(UserKey.Generate(), _server.PublicKeyZ32, DateTimeOffset.UtcNow);
        var realGrant = Grants.Create(user, _server.PublicKeyZ32, DateTimeOffset.UtcNow);
        // Keep the forged signature but claim another issuer: the signature no longer matches iss.
        var parts = forged.Grant.Split('.');
        var payload = realGrant.Grant.Split('.')[1];
        var body = new JsonObject { ["grant"] = $"{parts[0]}.{payload}.{parts[2]}", ["pop"] = forged.Pop }.ToJsonString();
        using var badGrant = await GrantSignupAsync(body, await MintAsync());
        await AssertTextAsync(badGrant, HttpStatusCode.BadRequest, "Invalid grant: invalid grant signature");

        var otherServer = Grants.Create(user, UserKey.Generate().PublicKeyZ32, DateTimeOffset.UtcNow);
        using var badPop = await GrantSignupAsync(otherServer.Json, await MintAsync());
        await AssertTextAsync(badPop, HttpStatusCode.Unauthorized, "Invalid PoP proof: PoP audience mismatch");

        Assert.Empty(_server.Users);
    }

    [Fact]
    public async Task Events_stream_delivers_events_incrementally_until_the_client_leaves()
    {
        await using var server = await FakeHomeserver.StartAsync(new FakeHomeserverOptions { EventInterval = TimeSpan.FromMilliseconds(300) });
        using var response = await _http.GetAsync(server.ClientUrl + "events-stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var clock = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();
        while (arrivals.Count < 3)
        {
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
            if (line?.StartsWith("data:", StringComparison.Ordinal) == true)
            {
                arrivals.Add(clock.Elapsed);
            }
        }

        // The first event is there long before the stream ends, and the next ones come one interval apart.
        Assert.True(arrivals[0] < TimeSpan.FromMilliseconds(250), $"first event after {arrivals[0]}");
        Assert.True(arrivals[2] - arrivals[0] >= TimeSpan.FromMilliseconds(500), $"events at {string.Join(", ", arrivals)}");
    }

    [Fact]
    public async Task Stored_data_has_a_strong_etag_and_if_none_match_answers_304()
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, _server.ClientUrl + "pub/app/file.txt") { Content = new StringContent("hello") };
        put.Headers.Add("pubky-host", "tenant1");
        using var created = await _http.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var get = await _http.GetAsync(_server.ClientUrl + "pub/app/file.txt?pubky-host=tenant1");
        await AssertTextAsync(get, HttpStatusCode.OK, "hello");
        var etag = get.Headers.ETag!;
        Assert.False(etag.IsWeak);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, _server.ClientUrl + "pub/app/file.txt?pubky-host=tenant1");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, _server.ClientUrl + "pub/app/file.txt?pubky-host=tenant1");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""));
        using var changed = await _http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        using var otherTenant = await _http.GetAsync(_server.ClientUrl + "pub/app/file.txt?pubky-host=tenant2");
        Assert.Equal(HttpStatusCode.NotFound, otherTenant.StatusCode);
        Assert.Equal("tenant1", _server.Requests[0].Tenant);
    }

    [Fact]
    public async Task Requests_are_recorded_with_query_headers_body_and_remote_address()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.ClientUrl + "signup?signup_token=AAAA-BBBB-CCCC")
        {
            Content = new ByteArrayContent([1, 2, 3]),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var _ = await _http.SendAsync(request);

        var recorded = Assert.Single(_server.SignupRequests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/signup", recorded.Path);
        Assert.Equal("AAAA-BBBB-CCCC", recorded.Query("signup_token"));
        Assert.Equal("203.0.113.7", recorded.Header("x-forwarded-for"));
        Assert.Equal(new byte[] { 1, 2, 3 }, recorded.Body);
        Assert.Equal("127.0.0.1", recorded.RemoteIp);
        Assert.Equal(500, recorded.ResponseStatus);

        _server.ClearRecorded();
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Scripted_signup_responses_are_served_before_normal_processing()
    {
        _server.NextSignupResponses.Enqueue(503);
        _server.NextSignupResponses.Enqueue(409);
        var token = await MintAsync();
        var body = AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow);

        using var first = await SignupAsync(body, token);
        using var second = await SignupAsync(body, token);
        using var third = await SignupAsync(body, token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        await AssertTextAsync(second, HttpStatusCode.Conflict, "User already exists");
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Client_api_can_go_down_and_come_back_on_the_same_port_with_its_state()
    {
        var user = UserKey.Generate();
        _server.AddExistingUser(user.PublicKeyZ32);
        var url = _server.ClientUrl;

        await _server.StopClientApiAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(url));

        await _server.StartClientApiAsync();
        Assert.Equal(url, _server.ClientUrl);
        using var back = await _http.GetAsync(url);
        await AssertTextAsync(back, HttpStatusCode.OK, "Pubky Homeserver");
        Assert.Contains(user.PublicKeyZ32, _server.Users);

        _server.Down = true;
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(url));
    }

    private async Task<string> MintAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.AdminUrl + "/generate_signup_token");
        request.Headers.Add("X-Admin-Password", _server.AdminPassword);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private Task<HttpResponseMessage> SignupAsync(byte[] body, string? token) =>
        _http.PostAsync(_server.ClientUrl + "signup" + (token is null ? "" : "?signup_token=" + Uri.EscapeDataString(token)), new ByteArrayContent(body));

    private Task<HttpResponseMessage> GrantSignupAsync(string json, string token) =>
        _http.PostAsync(_server.ClientUrl + "auth/grant/signup?signup_token=" + token, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task AssertTextAsync(HttpResponseMessage response, HttpStatusCode status, string text)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(text, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")]
    private static partial Regex TokenFormat();
}
