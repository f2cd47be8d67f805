using Dapper;
using Homegate.Fakes.Prelude;
using Homegate.Verification.Permits;
using Homegate.Verification.Sms;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Verification.Tests.Sms;

public sealed class SmsVerificationServiceTests(SmsFixture fixture) : IClassFixture<SmsFixture>
{
    private FakePrelude Prelude => fixture.Prelude;

    [Fact]
    public async Task Correct_code_completes_the_verification_and_yields_an_sms_permit_bound_to_the_pubky()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        var pubky = SmsFixture.NewPublicKey();

        var sent = await h.SendAsync(phone, pubky, "dispatch-42");
        Assert.Null(sent.Failure);
        Assert.False(sent.Value!.SessionReused);

        var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));

        Assert.Null(verified.Failure);
        var session = await SessionsAsync(h, phone);
        var only = Assert.Single(session);
        Assert.Equal("verified", only.State);
        var permit = h.Services.GetRequiredService<PermitVerifier>().Verify(verified.Value!.Permit);
        Assert.True(permit.IsValid, permit.Failure.ToString());
        Assert.Equal("sms:" + only.Id.ToString("D"), permit.Claims!.Jti);
        Assert.Equal("sms", permit.Claims.Method);
        Assert.Equal(pubky, permit.Claims.Subject);
        Assert.Equal(permit.Claims.Expires, verified.Value.ExpiresAt);
        var create = Assert.Single(Prelude.Requests, r => r.PhoneNumber == phone && r.Path == "/v2/verification");
        Assert.True(create.Authorized);
        Assert.Equal("203.0.113.7", create.Ip);
        Assert.Equal("homegate-tests/1.0", create.UserAgent);
        Assert.Equal("dispatch-42", create.DispatchId);
        Assert.Equal(pubky, only.Subject);
    }

    [Fact]
    public async Task Repeated_send_code_reuses_the_pending_session()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        var first = await h.SendAsync(phone);
        var code = Prelude.LastCodeFor(phone);
        var second = await h.SendAsync(phone);

        Assert.False(first.Value!.SessionReused);
        Assert.True(second.Value!.SessionReused);
        Assert.Single(await SessionsAsync(h, phone));
        Assert.Equal(code, Prelude.LastCodeFor(phone)); // the provider resent in the same window
        Assert.Null((await h.VerifyAsync(phone, code)).Failure);
    }

    [Fact]
    public async Task Weekly_limit_stops_the_third_verification_until_the_first_ages_out()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        await CompleteAsync(h, phone);
        h.Time.Advance(TimeSpan.FromDays(1));
        await CompleteAsync(h, phone);

        var third = await h.SendAsync(phone);
        Assert.Equal(SmsError.WeeklyLimitExceeded, third.Failure?.Error);
        AssertAbout(TimeSpan.FromDays(6), third.Failure!.RetryAfter);
        Assert.Equal(2, Prelude.CreateCount(phone)); // no SMS sent when the limit is known to be reached

        h.Time.Advance(TimeSpan.FromDays(6) + TimeSpan.FromSeconds(1));
        await CompleteAsync(h, phone);
    }

    [Fact]
    public async Task Yearly_limit_counts_completions_over_365_days()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        for (var i = 0; i < 4; i++)
        {
            await CompleteAsync(h, phone);
            h.Time.Advance(TimeSpan.FromDays(8));
        }

        var fifth = await h.SendAsync(phone);
        Assert.Equal(SmsError.AnnualLimitExceeded, fifth.Failure?.Error);
        AssertAbout(TimeSpan.FromDays(365 - 32), fifth.Failure!.RetryAfter);

        h.Time.Advance(TimeSpan.FromDays(365 - 32) + TimeSpan.FromSeconds(1));
        await CompleteAsync(h, phone);
    }

    [Fact]
    public async Task Whitelisted_numbers_are_exempt_from_the_limits()
    {
        var phone = SmsFixture.NewPhoneNumber();
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:Whitelist:0"] = phone });

        for (var i = 0; i < 5; i++)
        {
            await CompleteAsync(h, phone);
        }

        Assert.Equal(5, (await SessionsAsync(h, phone)).Count(s => s.State == "verified"));
    }

    [Fact]
    public async Task Twenty_concurrent_send_and_verify_cycles_never_exceed_the_weekly_limit()
    {
        // The hourly send cap and the burn window (stale codes race and burn sessions) would stop
        // these clients first; this test is about the weekly limit.
        await using var h = fixture.CreateHarness(new Dictionary<string, string?>
        {
            ["Homegate:Sms:MaxCodeSendsPerHour"] = "1000",
            ["Homegate:Sms:FailedAttemptsWindow"] = "00:00:00",
        });
        var phone = SmsFixture.NewPhoneNumber();

        // Each client keeps asking for a code and answering it until homegate says the week is full.
        var clients = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                var sent = await h.SendAsync(phone);
                if (sent.Failure?.Error == SmsError.WeeklyLimitExceeded)
                {
                    return SmsError.WeeklyLimitExceeded;
                }

                var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone) ?? "000000");
                if (verified.Failure?.Error == SmsError.WeeklyLimitExceeded)
                {
                    return SmsError.WeeklyLimitExceeded;
                }
            }

            return SmsError.Busy; // never saw the limit: fails the assertion below
        })).ToList();
        var outcomes = await Task.WhenAll(clients);

        Assert.All(outcomes, o => Assert.Equal(SmsError.WeeklyLimitExceeded, o));
        var sessions = await SessionsAsync(h, phone);
        Assert.Equal(2, sessions.Count(s => s.State == "verified"));
        Assert.True(sessions.Count(s => s.State == "pending") <= 1);
    }

    [Fact]
    public async Task After_five_wrong_codes_even_the_right_code_is_refused_and_the_session_is_dead()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        var code = Prelude.LastCodeFor(phone)!;
        var wrong = code == "111111" ? "222222" : "111111";

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(phone, wrong)).Failure?.Error);
        }

        var sixth = await h.VerifyAsync(phone, code);
        Assert.Equal(SmsError.TooManyAttempts, sixth.Failure?.Error);
        Assert.Equal(5, Prelude.CheckCount(phone)); // the sixth never reached Prelude
        Assert.Equal(SmsError.NoPendingVerification, (await h.VerifyAsync(phone, code)).Failure?.Error);
        Assert.Equal(5, Prelude.CheckCount(phone));

        h.Time.Advance(TimeSpan.FromHours(1)); // FailedAttemptsWindow: no fresh guesses before
        var fresh = await h.SendAsync(phone);
        Assert.False(fresh.Value!.SessionReused);
        Assert.Null((await h.VerifyAsync(phone, Prelude.LastCodeFor(phone))).Failure);
    }

    [Fact]
    public async Task Concurrent_wrong_codes_cannot_exceed_the_attempt_cap()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        var wrong = Prelude.LastCodeFor(phone) == "111111" ? "222222" : "111111";

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => h.VerifyAsync(phone, wrong)));

        Assert.True(Prelude.CheckCount(phone) <= 5);
        Assert.Equal(Prelude.CheckCount(phone), results.Count(r => r.Failure?.Error == SmsError.InvalidCode));
    }

    private static Dictionary<string, string?> StubbedPrelude(PreludeStub stub)
        => new() { ["Homegate:Sms:BaseUrl"] = stub.BaseUrl.ToString() };

    [Fact]
    public async Task Prelude_rate_limit_becomes_our_rate_limit_with_its_retry_after_and_no_session()
    {
        using var stub = await PreludeStub.StartAsync();
        await using var h = fixture.CreateHarness(StubbedPrelude(stub));
        var phone = SmsFixture.NewPhoneNumber();
        stub.RateLimitCreate(phone, TimeSpan.FromSeconds(42));

        var sent = await h.SendAsync(phone);

        Assert.Equal(SmsError.RateLimited, sent.Failure?.Error);
        Assert.Equal(TimeSpan.FromSeconds(42), sent.Failure!.RetryAfter);
        Assert.Empty(await SessionsAsync(h, phone));
    }

    [Fact]
    public async Task Blocked_number_is_refused_and_no_session_is_recorded()
    {
        using var stub = await PreludeStub.StartAsync();
        await using var h = fixture.CreateHarness(StubbedPrelude(stub));
        var phone = SmsFixture.NewPhoneNumber();
        stub.AnswerCreate(phone, "blocked", "in_block_list");

        Assert.Equal(SmsError.PhoneBlocked, (await h.SendAsync(phone)).Failure?.Error);
        Assert.Empty(await SessionsAsync(h, phone));
    }

    [Theory]
    [InlineData("server_error")]
    [InlineData("challenged")]
    public async Task Provider_failure_is_a_502_and_no_session_is_recorded(string behavior)
    {
        using var stub = await PreludeStub.StartAsync();
        await using var h = fixture.CreateHarness(StubbedPrelude(stub));
        var phone = SmsFixture.NewPhoneNumber();
        if (behavior == "server_error")
        {
            stub.FailCreate(phone, 503);
        }
        else
        {
            stub.AnswerCreate(phone, behavior);
        }

        Assert.Equal(SmsError.ProviderUnavailable, (await h.SendAsync(phone)).Failure?.Error);
        Assert.Empty(await SessionsAsync(h, phone));
    }

    [Fact]
    public async Task Unreachable_provider_is_a_502_and_no_session_is_recorded()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:BaseUrl"] = "http://127.0.0.1:1/" });
        var phone = SmsFixture.NewPhoneNumber();

        Assert.Equal(SmsError.ProviderUnavailable, (await h.SendAsync(phone)).Failure?.Error);
        Assert.Empty(await SessionsAsync(h, phone));
    }

    [Fact]
    public async Task Slow_provider_times_out_within_the_configured_timeout_and_no_session_is_recorded()
    {
        using var stub = await PreludeStub.StartAsync();
        var settings = StubbedPrelude(stub);
        settings["Homegate:Sms:RequestTimeout"] = "00:00:01";
        await using var h = fixture.CreateHarness(settings);
        var phone = SmsFixture.NewPhoneNumber();
        stub.AnswerCreate(phone, "success", delay: TimeSpan.FromSeconds(20));
        await h.Services.GetRequiredService<PhoneHasher>().HashAsync(phone, CancellationToken.None); // warm the pepper

        var started = System.Diagnostics.Stopwatch.StartNew();
        var sent = await h.SendAsync(phone);

        Assert.Equal(SmsError.ProviderUnavailable, sent.Failure?.Error);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.Empty(await SessionsAsync(h, phone));
    }

    [Fact]
    public async Task Rejected_api_key_is_a_502_and_the_key_is_sent_as_a_bearer_token()
    {
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:ApiKey"] = "wrong-key" });
        var phone = SmsFixture.NewPhoneNumber();

        Assert.Equal(SmsError.ProviderUnavailable, (await h.SendAsync(phone)).Failure?.Error);
        Assert.False(Assert.Single(Prelude.Requests, r => r.PhoneNumber == phone).Authorized);
        Assert.DoesNotContain("wrong-key", h.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_prelude_serves_codes_to_the_demo_over_http()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        using var client = new HttpClient { BaseAddress = Prelude.BaseUrl };

        var code = await client.GetStringAsync(new Uri("_fake/code/" + Uri.EscapeDataString(phone), UriKind.Relative));

        Assert.Equal(Prelude.LastCodeFor(phone), code);
        Assert.Matches("^[0-9]{6}$", code);
    }

    [Fact]
    public async Task Provider_failure_while_checking_does_not_count_as_an_attempt()
    {
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:MaxFailedAttempts"] = "1" });
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        var code = Prelude.LastCodeFor(phone);

        Prelude.Script(phone, PreludeBehavior.ServerError);
        Assert.Equal(SmsError.ProviderUnavailable, (await h.VerifyAsync(phone, code)).Failure?.Error);
        Prelude.Script(phone, PreludeBehavior.Normal);

        Assert.Null((await h.VerifyAsync(phone, code)).Failure);
    }

    [Fact]
    public async Task Expired_provider_window_answers_410_then_nothing_is_pending()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        var code = Prelude.LastCodeFor(phone);
        Prelude.ExpireWindow(phone);

        Assert.Equal(SmsError.VerificationExpired, (await h.VerifyAsync(phone, code)).Failure?.Error);
        Assert.Equal(SmsError.NoPendingVerification, (await h.VerifyAsync(phone, code)).Failure?.Error);
    }

    [Fact]
    public async Task Session_past_its_lifetime_answers_410_without_asking_prelude()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        h.Time.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(SmsError.VerificationExpired, (await h.VerifyAsync(phone, Prelude.LastCodeFor(phone))).Failure?.Error);
        Assert.Equal(0, Prelude.CheckCount(phone));
        Assert.False((await h.SendAsync(phone)).Value!.SessionReused);
    }

    [Fact]
    public async Task Wrong_code_from_prelude_is_invalid_code_and_malformed_codes_never_reach_it()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        Prelude.Script(phone, PreludeBehavior.Failure);

        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(phone, Prelude.LastCodeFor(phone))).Failure?.Error);
        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(phone, "12ab")).Failure?.Error);
        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(phone, null)).Failure?.Error);
        Assert.Equal(1, Prelude.CheckCount(phone));
    }

    [Fact]
    public async Task Status_goes_from_not_verified_to_pending_to_verified()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        Assert.Equal(SmsError.NotVerified, (await h.Service.GetStatusAsync(phone, CancellationToken.None)).Failure?.Error);
        await h.SendAsync(phone);
        var pending = await h.Service.GetStatusAsync(phone, CancellationToken.None);
        Assert.False(pending.Value!.Verified);
        await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));
        var verified = await h.Service.GetStatusAsync(phone, CancellationToken.None);
        Assert.True(verified.Value!.Verified);
        Assert.Equal(h.Time.GetUtcNow(), verified.Value.VerifiedAt!.Value, TimeSpan.FromMilliseconds(1));

        h.Time.Advance(TimeSpan.FromDays(366));
        Assert.Equal(SmsError.NotVerified, (await h.Service.GetStatusAsync(phone, CancellationToken.None)).Failure?.Error);
    }

    [Theory]
    [InlineData("30123456789")]
    [InlineData("+0123456789")]
    [InlineData("+1")]
    [InlineData("+1234567890123456")]
    [InlineData("+30 123 456")]
    [InlineData("+30123456789\n")]
    [InlineData("+٣٠١٢٣٤٥")]
    public async Task Non_e164_numbers_are_rejected_before_anything_else(string phone)
    {
        await using var h = fixture.CreateHarness();

        Assert.Equal(SmsError.InvalidPhoneNumber, (await h.SendAsync(phone)).Failure?.Error);
        Assert.Equal(SmsError.InvalidPhoneNumber, (await h.VerifyAsync(phone, "123456")).Failure?.Error);
        Assert.DoesNotContain(Prelude.Requests, r => r.PhoneNumber == phone);
    }

    [Fact]
    public async Task Malformed_pubky_is_rejected()
    {
        await using var h = fixture.CreateHarness();

        Assert.Equal(SmsError.InvalidPubky, (await h.SendAsync(SmsFixture.NewPhoneNumber(), "not-a-key")).Failure?.Error);
    }

    [Fact]
    public async Task Neither_the_database_nor_the_logs_contain_the_number_or_the_code()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        await h.VerifyAsync(phone, "999999" == Prelude.LastCodeFor(phone) ? "888888" : "999999");
        var code = Prelude.LastCodeFor(phone)!;
        await h.VerifyAsync(phone, code);
        await h.Service.GetStatusAsync(phone, CancellationToken.None);

        var dump = await DumpDatabaseAsync(h);
        var digits = phone.TrimStart('+');
        Assert.DoesNotContain(digits, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(digits, h.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(code, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(code, h.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Prelude.ApiKey, h.Logs.All, StringComparison.Ordinal);
        Assert.Contains("SMS verification completed", h.Logs.All, StringComparison.Ordinal); // the logs were captured
    }

    [Fact]
    public async Task Cleanup_deletes_stale_sessions_and_completions_older_than_a_year_but_keeps_what_limits_need()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        var stale = SmsFixture.NewPhoneNumber();
        await CompleteAsync(h, phone);
        await h.SendAsync(stale);
        var repository = h.Services.GetRequiredService<SmsRepository>();

        h.Time.Advance(TimeSpan.FromMinutes(11));
        await repository.DeleteStaleAsync(h.Time.GetUtcNow(), CancellationToken.None);
        Assert.Empty(await SessionsAsync(h, stale));
        Assert.Single(await SessionsAsync(h, phone));

        h.Time.Advance(TimeSpan.FromDays(365));
        await repository.DeleteStaleAsync(h.Time.GetUtcNow(), CancellationToken.None);
        Assert.Empty(await SessionsAsync(h, phone));
    }

    // PostgreSQL keeps microseconds; the clock has 100 ns ticks.
    private static void AssertAbout(TimeSpan expected, TimeSpan? actual)
        => Assert.InRange(actual!.Value, expected - TimeSpan.FromMilliseconds(1), expected + TimeSpan.FromMilliseconds(1));

    private async Task CompleteAsync(SmsHarness h, string phone)
    {
        var sent = await h.SendAsync(phone);
        Assert.Null(sent.Failure);
        var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));
        Assert.Null(verified.Failure);
    }

    internal sealed record SessionRow(Guid Id, string State, string? Subject, int Attempts);

    private static async Task<List<SessionRow>> SessionsAsync(SmsHarness h, string phone)
    {
        var hash = await h.Services.GetRequiredService<PhoneHasher>().HashAsync(phone, CancellationToken.None);
        await using var connection = await h.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<SessionRow>(
            "SELECT id AS Id, state AS State, subject AS Subject, attempts AS Attempts FROM sms_sessions WHERE phone_hash = @Hash",
            new { Hash = hash })).ToList();
    }

    /// <summary>Every row of every table in the public schema, as text.</summary>
    internal static async Task<string> DumpDatabaseAsync(SmsHarness h)
    {
        await using var connection = await h.DataSource.OpenConnectionAsync();
        var tables = await connection.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            var rows = await connection.QueryAsync<string>($"SELECT t::text FROM \"{table}\" t");
            foreach (var row in rows)
            {
                dump.AppendLine(table + ": " + row);
            }
        }

        return dump.ToString();
    }
}
