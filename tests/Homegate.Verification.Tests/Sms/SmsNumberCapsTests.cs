using Dapper;
using Homegate.Fakes.Prelude;
using Homegate.Verification.Permits;
using Homegate.Verification.Sms;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Verification.Tests.Sms;

/// <summary>Issue 10, items 3, 4 and 9: per-number caps, no re-binding, no enumeration without the status endpoint.</summary>
public sealed class SmsNumberCapsTests(SmsFixture fixture) : IClassFixture<SmsFixture>
{
    private FakePrelude Prelude => fixture.Prelude;

    [Fact]
    public async Task A_new_send_code_after_a_burn_grants_no_fresh_guesses_until_the_failed_attempts_window_has_passed()
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

        var burned = await h.VerifyAsync(phone, wrong);
        Assert.Equal(SmsError.TooManyAttempts, burned.Failure?.Error);
        Assert.Equal(TimeSpan.FromHours(1), burned.Failure!.RetryAfter);

        // The attack: a new send_code to get a fresh session at the same Prelude code.
        h.Time.Advance(TimeSpan.FromMinutes(10));
        var again = await h.SendAsync(phone);
        Assert.Equal(SmsError.TooManyAttempts, again.Failure?.Error);
        AssertAbout(TimeSpan.FromMinutes(50), again.Failure!.RetryAfter);
        Assert.Equal(SmsError.NoPendingVerification, (await h.VerifyAsync(phone, wrong)).Failure?.Error);
        Assert.Equal(1, Prelude.CreateCount(phone));
        Assert.Equal(5, Prelude.CheckCount(phone)); // every guess that reached Prelude

        h.Time.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(SmsError.TooManyAttempts, (await h.SendAsync(phone)).Failure?.Error);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null((await h.SendAsync(phone)).Failure);
        Assert.Equal(2, Prelude.CreateCount(phone));
    }

    [Fact]
    public async Task The_sixth_send_code_within_an_hour_is_rate_limited_and_never_reaches_prelude()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        for (var i = 0; i < 5; i++)
        {
            Assert.Null((await h.SendAsync(phone)).Failure);
            h.Time.Advance(TimeSpan.FromMinutes(5));
        }

        var sixth = await h.SendAsync(phone);

        Assert.Equal(SmsError.RateLimited, sixth.Failure?.Error);
        AssertAbout(TimeSpan.FromMinutes(35), sixth.Failure!.RetryAfter); // the first send leaves the hour then
        Assert.Equal(5, Prelude.CreateCount(phone));

        h.Time.Advance(TimeSpan.FromMinutes(35));
        Assert.Null((await h.SendAsync(phone)).Failure);
        Assert.Equal(6, Prelude.CreateCount(phone));
    }

    [Fact]
    public async Task Forty_concurrent_send_codes_for_one_number_let_exactly_the_hourly_cap_through()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => h.SendAsync(phone))));

        // Exactly the cap got past homegate and reached Prelude (a loaded machine may see one of
        // those time out at Prelude: it still counts as a send).
        Assert.Equal(35, results.Count(r => r.Failure?.Error == SmsError.RateLimited));
        Assert.Equal(5, results.Count(r => r.Failure?.Error != SmsError.RateLimited));
        Assert.Equal(5, Prelude.CreateCount(phone));
    }

    [Fact]
    public async Task Send_code_naming_another_pubky_than_the_pending_session_is_refused_and_never_rebinds()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        var victim = SmsFixture.NewPublicKey();
        var attacker = SmsFixture.NewPublicKey();
        Assert.Null((await h.SendAsync(phone, victim)).Failure);

        var rebind = await h.SendAsync(phone, attacker);
        Assert.Equal(SmsError.VerificationPending, rebind.Failure?.Error);
        Assert.Equal(1, Prelude.CreateCount(phone)); // refused before any SMS
        Assert.True((await h.SendAsync(phone)).Value!.SessionReused); // no pubky: a resend, binding kept
        Assert.True((await h.SendAsync(phone, victim)).Value!.SessionReused);

        var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));
        var claims = h.Services.GetRequiredService<PermitVerifier>().Verify(verified.Value!.Permit).Claims!;
        Assert.Equal(victim, claims.Subject);
    }

    [Fact]
    public async Task Send_code_with_a_pubky_cannot_bind_a_pending_unbound_session()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();
        Assert.Null((await h.SendAsync(phone)).Failure);

        Assert.Equal(SmsError.VerificationPending, (await h.SendAsync(phone, SmsFixture.NewPublicKey())).Failure?.Error);

        var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));
        Assert.Null(h.Services.GetRequiredService<PermitVerifier>().Verify(verified.Value!.Permit).Claims!.Subject);
    }

    [Fact]
    public async Task Concurrent_send_codes_with_different_pubkeys_bind_the_session_to_exactly_one_of_them()
    {
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:MaxCodeSendsPerHour"] = "100" });
        var phone = SmsFixture.NewPhoneNumber();
        var keys = Enumerable.Range(0, 8).Select(_ => SmsFixture.NewPublicKey()).ToList();

        var results = await Task.WhenAll(keys.Select(k => Task.Run(() => h.SendAsync(phone, k))));

        var winners = keys.Where((k, i) => results[i].Failure is null).ToList();
        var winner = Assert.Single(winners.Distinct());
        Assert.All(results.Where(r => r.Failure is not null), r => Assert.Equal(SmsError.VerificationPending, r.Failure!.Error));
        var verified = await h.VerifyAsync(phone, Prelude.LastCodeFor(phone));
        Assert.Equal(winner, h.Services.GetRequiredService<PermitVerifier>().Verify(verified.Value!.Permit).Claims!.Subject);
    }

    [Fact]
    public async Task Without_the_status_endpoint_answers_do_not_tell_whether_a_code_is_pending()
    {
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:StatusEndpoint"] = "false" });
        var pending = SmsFixture.NewPhoneNumber();
        var unknown = SmsFixture.NewPhoneNumber();
        Assert.False((await h.SendAsync(pending)).Value!.SessionReused);
        var code = Prelude.LastCodeFor(pending)!;
        var wrong = code == "111111" ? "222222" : "111111";

        Assert.False((await h.SendAsync(pending)).Value!.SessionReused);
        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(pending, wrong)).Failure?.Error);
        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(unknown, wrong)).Failure?.Error);

        h.Time.Advance(TimeSpan.FromMinutes(11)); // the session expires
        Assert.Equal(SmsError.InvalidCode, (await h.VerifyAsync(pending, code)).Failure?.Error);
    }

    [Fact]
    public async Task With_the_status_endpoint_on_the_answers_stay_as_documented()
    {
        await using var h = fixture.CreateHarness();
        var phone = SmsFixture.NewPhoneNumber();

        Assert.Equal(SmsError.NoPendingVerification, (await h.VerifyAsync(phone, "123456")).Failure?.Error);
        Assert.False((await h.SendAsync(phone)).Value!.SessionReused);
        Assert.True((await h.SendAsync(phone)).Value!.SessionReused);
    }

    [Fact]
    public async Task Cleanup_keeps_a_burn_for_the_whole_failed_attempts_window()
    {
        await using var h = fixture.CreateHarness(new Dictionary<string, string?> { ["Homegate:Sms:FailedAttemptsWindow"] = "02:00:00" });
        var phone = SmsFixture.NewPhoneNumber();
        await h.SendAsync(phone);
        var wrong = Prelude.LastCodeFor(phone) == "111111" ? "222222" : "111111";
        for (var i = 0; i < 6; i++)
        {
            await h.VerifyAsync(phone, wrong);
        }

        var repository = h.Services.GetRequiredService<SmsRepository>();
        h.Time.Advance(TimeSpan.FromMinutes(90));
        await repository.DeleteStaleAsync(h.Time.GetUtcNow(), CancellationToken.None, TimeSpan.FromHours(2));
        Assert.Equal(SmsError.TooManyAttempts, (await h.SendAsync(phone)).Failure?.Error);

        h.Time.Advance(TimeSpan.FromMinutes(31));
        await repository.DeleteStaleAsync(h.Time.GetUtcNow(), CancellationToken.None, TimeSpan.FromHours(2));
        await using var connection = await h.DataSource.OpenConnectionAsync();
        var hash = await h.Services.GetRequiredService<PhoneHasher>().HashAsync(phone, CancellationToken.None);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM sms_number_events WHERE phone_hash = @hash AND kind = 'burn'", new { hash }));
    }

    // PostgreSQL keeps microseconds; the clock has 100 ns ticks.
    private static void AssertAbout(TimeSpan expected, TimeSpan? actual)
        => Assert.InRange(actual!.Value, expected - TimeSpan.FromMilliseconds(1), expected + TimeSpan.FromMilliseconds(1));
}
