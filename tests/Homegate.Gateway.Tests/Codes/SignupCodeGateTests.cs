using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Fakes.Prelude;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Gateway.Tests.Codes;

/// <summary>The gate with signup codes: same rules and single use as permits, code-guess, foreign codes.</summary>
public sealed class SignupCodeGateTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-codes").FullName;
    private readonly CapturedLogs _logs = new();
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartAsync(bool forwardHomeserverCodes = false)
    {
        _gateway = await GatewayHost.StartAsync(
            GatewayHost.WriteConfig(_directory, _db, _homeserver, c =>
            {
                c["Logging"]!["LogLevel"]!["Default"] = "Debug";
                c["Homegate"]!["Gate"] = new JsonObject { ["ForwardHomeserverCodes"] = forwardHomeserverCodes };
                c["Homegate"]!["ForwardedHeaders"] = new JsonObject { ["KnownNetworks"] = new JsonArray("127.0.0.1/32") };
            }),
            services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    /// <summary>An invitation as <c>homegate invite</c> makes it: one verification, its permit and its code.</summary>
    private async Task<(string Permit, string Code)> InviteAsync(string? subject = null, TimeSpan? lifetime = null)
    {
        var permit = _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, subject, lifetime);
        var code = await _gateway.Services.GetRequiredService<SignupCodeIssuer>().IssueAsync(permit.Claims, CancellationToken.None);
        return (permit.Token, code);
    }

    private Task<HttpResponseMessage> SignupFromAsync(string address, string code)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/signup?signup_token=" + Uri.EscapeDataString(code))
        {
            Content = new ByteArrayContent(Signups.NewAuthToken(out _)),
        };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
        return _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_code_signs_up_once_and_then_its_permit_is_refused_409_and_the_other_way_round()
    {
        await StartAsync();
        var (permit, code) = await InviteAsync();
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", code);

        var first = await _gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains(user.PublicKeyZ32, _homeserver.Users);
        await (await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        await (await _gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");

        var (permit2, code2) = await InviteAsync();
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(permit2, Signups.NewAuthToken(out _))).StatusCode);
        await (await _gateway.Client.PostSignupAsync(code2, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");
        await (await _gateway.Client.PostSignupAsync(code2, Signups.NewAuthToken(out _), inHeader: true)).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used");

        Assert.Equal(2, _homeserver.SignupRequests.Count);
        Assert.Equal(2, _homeserver.MintedTokenCount);
    }

    [Fact]
    public async Task Fifty_concurrent_signups_with_one_code_forward_exactly_one()
    {
        await StartAsync();
        var (_, code) = await InviteAsync();
        var bodies = Enumerable.Range(0, 50).Select(i => Signups.NewAuthToken(out var _)).ToList();
        var responses = await Concurrently.SendAllAsync(bodies, body => _gateway.Client.PostSignupAsync(code, body));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Single(_homeserver.SignupRequests);
        Assert.Single(_homeserver.Users);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lower_case_and_space_padded_codes_work_in_the_query_and_the_header(bool inHeader)
    {
        await StartAsync();
        var (_, code) = await InviteAsync();
        var typed = "  " + code.ToLowerInvariant() + " \t";
        var response = await _gateway.Client.PostSignupAsync(typed, Signups.NewAuthToken(out var user), inHeader: inHeader);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.PublicKeyZ32, _homeserver.Users);
    }

    [Fact]
    public async Task A_code_keeps_the_rules_of_its_permit_subject_expiry_and_body_parsing()
    {
        await StartAsync();
        var bound = UserKey.Generate();
        var (_, code) = await InviteAsync(subject: bound.PublicKeyZ32);
        await (await _gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-subject-mismatch");
        await (await _gateway.Client.PostSignupAsync(code, [1, 2, 3])).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-signup-body");
        var ok = await _gateway.Client.PostSignupAsync(code, AuthTokens.Create(bound, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // Expired: stored with an expiry beyond the 60 s skew in the past.
        var permit = _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, null);
        var old = permit.Claims with { IssuedAt = permit.Claims.IssuedAt.AddHours(-2), NotBefore = permit.Claims.IssuedAt.AddHours(-2), Expires = permit.Claims.IssuedAt.AddHours(-1) };
        var expired = await _gateway.Services.GetRequiredService<SignupCodeIssuer>().IssueAsync(old, CancellationToken.None);
        await (await _gateway.Client.PostSignupAsync(expired, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-expired");
        Assert.Single(_homeserver.SignupRequests);
    }

    [Fact]
    public async Task A_homeserver_format_code_homegate_did_not_issue_gets_403_and_is_not_forwarded()
    {
        await StartAsync();
        var foreign = _homeserver.AddSignupToken();
        Assert.Matches("^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$", foreign);
        await (await _gateway.Client.PostSignupAsync(foreign, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-invalid");
        await (await _gateway.Client.PostSignupAsync("UUUU-UUUU-UUUU", Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-invalid");
        Assert.Empty(_homeserver.SignupRequests);
    }

    [Fact]
    public async Task With_ForwardHomeserverCodes_a_foreign_code_is_forwarded_once_and_the_homeserver_decides()
    {
        await StartAsync(forwardHomeserverCodes: true);
        var foreign = _homeserver.AddSignupToken();
        var accepted = await _gateway.Client.PostSignupAsync(" " + foreign + " ", Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains(user.PublicKeyZ32, _homeserver.Users);
        Assert.Equal(foreign, Assert.Single(_homeserver.SignupRequests).Query("signup_token"));

        // Spent at the homeserver: it refuses the second use itself (not a homegate problem).
        var refused = await _gateway.Client.PostSignupAsync(foreign, Signups.NewAuthToken(out _));
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.NotEqual("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, _homeserver.SignupRequests.Count);
        Assert.Equal(0, _homeserver.MintedTokenCount);

        // Homegate's own codes are still judged by homegate.
        var (_, code) = await InviteAsync();
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(code, Signups.NewAuthToken(out _))).StatusCode);
        Assert.NotEqual(code, _homeserver.SignupRequests[^1].Query("signup_token"));
    }

    [Fact]
    public async Task Homeserver_refusals_of_forwarded_foreign_codes_count_against_code_guess()
    {
        await StartAsync(forwardHomeserverCodes: true);
        for (var i = 0; i < 10; i++)
        {
            var refused = await SignupFromAsync("203.0.113.9", "ZZZZ-ZZZZ-ZZ" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        }

        await (await SignupFromAsync("203.0.113.9", _homeserver.AddSignupToken())).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(10, _homeserver.SignupRequests.Count);
    }

    [Fact]
    public async Task Eleven_unknown_codes_from_one_address_get_429_even_for_a_valid_code_and_another_address_is_unaffected()
    {
        await StartAsync();
        var (_, valid) = await InviteAsync();
        for (var i = 0; i < 10; i++)
        {
            await (await SignupFromAsync("198.51.100.7", SignupCodes.Generate())).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-invalid");
        }

        await (await SignupFromAsync("198.51.100.7", SignupCodes.Generate())).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        await (await SignupFromAsync("198.51.100.7", valid)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        var status = await GetFromAsync("198.51.100.7", $"/invite/{valid}/status");
        await status.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");

        // Valid permits are not codes: the policy does not apply to them.
        var (permit, _) = await InviteAsync();
        var withPermit = new HttpRequestMessage(HttpMethod.Post, "/signup?signup_token=" + permit) { Content = new ByteArrayContent(Signups.NewAuthToken(out _)) };
        withPermit.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.7");
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.SendAsync(withPermit)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SignupFromAsync("198.51.100.8", valid)).StatusCode);
        Assert.Equal(2, _homeserver.SignupRequests.Count);
    }

    private Task<HttpResponseMessage> GetFromAsync(string address, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
        return _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task No_code_or_permit_reaches_the_logs_the_tables_or_the_homeserver()
    {
        await StartAsync();
        var presented = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (permit, code) = await InviteAsync();
            presented.Add(permit);
            presented.Add(code);
            var viaCode = await _gateway.Client.PostSignupAsync(i == 1 ? code.ToLowerInvariant() : code, Signups.NewAuthToken(out _), inHeader: i == 2);
            Assert.Equal(HttpStatusCode.OK, viaCode.StatusCode);
            await (await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used", mustNotContain: code);
            Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync($"/invite/{code}/status")).StatusCode);
        }

        var unknown = SignupCodes.Generate();
        presented.Add(unknown);
        await (await _gateway.Client.PostSignupAsync(unknown, Signups.NewAuthToken(out _))).AssertProblemAsync(HttpStatusCode.Forbidden, "permit-invalid", mustNotContain: unknown);

        var dump = await DumpDatabaseAsync();
        var logs = _logs.All;
        Assert.NotEmpty(logs);
        foreach (var value in presented)
        {
            Assert.DoesNotContain(value, logs, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(value, dump, StringComparison.OrdinalIgnoreCase);
            Assert.All(_homeserver.Requests, r =>
            {
                Assert.DoesNotContain(value, r.QueryString, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(value, Uri.UnescapeDataString(r.QueryString), StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(value, string.Join('\n', r.Headers.Values), StringComparison.OrdinalIgnoreCase);
            });
        }

        // The hashes are there, and only the hashes.
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM signup_codes WHERE octet_length(code_hash) = 32"));
    }

    /// <summary>Every text value of every table, one per line.</summary>
    private async Task<string> DumpDatabaseAsync()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var tables = await connection.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        var lines = new List<string>();
        foreach (var table in tables)
        {
            var rows = await connection.QueryAsync<string>($"SELECT row_to_json(t)::text FROM \"{table}\" t");
            lines.AddRange(rows);
        }

        return string.Join('\n', lines);
    }

    [Fact]
    public async Task The_meter_counts_codes_issued_redeemed_rejected_by_reason_and_code_guess_refusals()
    {
        await StartAsync();
        using var measurements = new MeterRecorder(_gateway.Services);

        var (_, code) = await InviteAsync();
        var (permit, _) = await InviteAsync();
        Assert.Equal(HttpStatusCode.OK, (await SignupFromAsync("192.0.2.1", code)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SignupFromAsync("192.0.2.1", code)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).StatusCode);
        for (var i = 0; i < 11; i++)
        {
            await SignupFromAsync("192.0.2.2", SignupCodes.Generate());
        }

        long Get(string key) => measurements.Count(key);
        Assert.Equal(2, Get("homegate.codes.issued|method=invite"));
        Assert.Equal(1, Get("homegate.codes.redeemed"));
        Assert.Equal(2, Get("homegate.permits.redeemed"));
        Assert.Equal(1, Get("homegate.codes.rejected|code=permit-already-used"));
        Assert.Equal(10, Get("homegate.codes.rejected|code=permit-invalid"));
        Assert.Equal(1, Get("homegate.codes.guess_rejections"));
        Assert.Equal(1, Get("homegate.ratelimit.rejections|policy=code-guess"));
    }

    [Fact]
    public async Task Retention_deletes_codes_once_expired_past_the_grace_and_keeps_the_rest()
    {
        await StartAsync();
        var issuer = _gateway.Services.GetRequiredService<SignupCodeIssuer>();
        var now = DateTimeOffset.UtcNow;
        async Task<string> CodeExpiringAt(DateTimeOffset expires)
        {
            var claims = _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, null).Claims;
            return await issuer.IssueAsync(claims with { IssuedAt = expires.AddDays(-7), NotBefore = expires.AddDays(-7), Expires = expires }, CancellationToken.None);
        }

        var old = await CodeExpiringAt(now.AddDays(-2));
        var recent = await CodeExpiringAt(now.AddHours(-1));
        var live = await CodeExpiringAt(now.AddDays(3));

        var result = await _gateway.Services.GetRequiredService<Homegate.Verification.Retention.RetentionCleaner>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, result.ExpiredCodes);
        await (await _gateway.Client.GetAsync($"/invite/{old}/status")).AssertProblemAsync(HttpStatusCode.NotFound, "code-not-found");
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync($"/invite/{recent}/status")).StatusCode);
        Assert.Contains("\"expired\"", await (await _gateway.Client.GetAsync($"/invite/{recent}/status")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(live, Signups.NewAuthToken(out _))).StatusCode);
    }
}
