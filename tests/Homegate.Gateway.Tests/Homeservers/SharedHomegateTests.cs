using System.Net;
using System.Text.Json;
using Homegate.Fakes.Pubky;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Gateway.Tests.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Gateway.Tests.Homeservers;

/// <summary>Issue 12's acceptance: one homegate in front of two homeservers, told apart by host.</summary>
public sealed class SharedHomegateTests : SharedHomegateTestBase
{
    [Fact]
    public async Task Codes_and_permits_sign_up_only_at_their_own_homeserver_and_never_reach_the_other()
    {
        await StartAsync();
        var codeA = await InviteAsync("a");
        var permitA = await InviteAsync("a", "permit");
        var codeB = await InviteAsync("b");
        var permitB = await InviteAsync("b", "permit");

        // A's code and permit on B's host: refused before anything is forwarded, and not consumed.
        foreach (var credential in new[] { codeA, permitA })
        {
            var refused = await SignupAsync(HostB, credential, Signups.NewAuthToken(out _));
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "permit-wrong-audience", mustNotContain: credential);
        }

        var onA = await SignupAsync(HostA, codeB, Signups.NewAuthToken(out _));
        await onA.AssertProblemAsync(HttpStatusCode.Forbidden, "permit-wrong-audience");
        Assert.Empty(A.SignupRequests);
        Assert.Empty(B.SignupRequests);

        // Each on its own host signs up at its own homeserver only.
        var usersA = new List<string>();
        var usersB = new List<string>();
        foreach (var (host, credential) in new[] { (HostA, codeA), (HostA, permitA), (HostB, codeB), (HostB, permitB) })
        {
            var response = await SignupAsync(host, credential, Signups.NewAuthToken(out var user));
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            (host == HostA ? usersA : usersB).Add(user.PublicKeyZ32);
        }

        Assert.Equal(usersA.Order(), A.Users.Order());
        Assert.Equal(usersB.Order(), B.Users.Order());
        Assert.Equal(2, A.SignupRequests.Count);
        Assert.Equal(2, B.SignupRequests.Count);

        // Minted tokens came from each homeserver's own admin API.
        Assert.Equal(2, A.MintedTokenCount);
        Assert.Equal(2, B.MintedTokenCount);
    }

    [Fact]
    public async Task Sms_verification_issues_for_the_homeserver_of_the_host_and_its_code_is_refused_on_the_other()
    {
        await StartAsync();
        var body = Signups.NewAuthToken(out var user);
        var answer = await VerifyPhoneAsync(HostB, SmsTestHost.NewPhoneNumber(), user.PublicKeyZ32);
        Assert.Equal(B.PublicKeyZ32, answer.GetProperty("homeserverPubky").GetString());
        var code = answer.GetProperty("signupCode").GetString()!;

        var elsewhere = await SignupAsync(HostA, code, body);
        await elsewhere.AssertProblemAsync(HttpStatusCode.Forbidden, "permit-wrong-audience");
        Assert.Empty(A.SignupRequests);

        var home = await SignupAsync(HostB, code, body);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains(user.PublicKeyZ32, B.Users);
        Assert.DoesNotContain(user.PublicKeyZ32, A.Users);
    }

    [Fact]
    public async Task Gate_metrics_are_labelled_with_the_homeserver_name_and_nothing_about_the_user()
    {
        await StartAsync();
        using var measurements = new MeterRecorder(Gateway.Services);

        var codeA = await InviteAsync("a");
        Assert.Equal(HttpStatusCode.Forbidden, (await SignupAsync(HostB, codeA, Signups.NewAuthToken(out _))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignupAsync(HostA, codeA, Signups.NewAuthToken(out _))).StatusCode);

        Assert.Equal(1, measurements.Count("homegate.permits.rejected|code=permit-wrong-audience|homeserver=b"));
        Assert.Equal(1, measurements.Count("homegate.permits.redeemed|homeserver=a"));
        Assert.All(measurements.Keys, key => Assert.DoesNotContain(codeA, key, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Log_lines_of_a_request_carry_its_homeserver_as_their_only_scope()
    {
        var logs = new ScopeCapturingLogs();
        await StartAsync(services: services => services.AddLogging(logging =>
        {
            logging.AddProvider(logs);
            logging.AddFilter<ScopeCapturingLogs>("Homegate", LogLevel.Information);
        }));
        var phone = SmsTestHost.NewPhoneNumber();
        Assert.Equal(HttpStatusCode.OK, (await PostJsonAsync(HostB, "/sms_verification/send_code", new { phoneNumber = phone })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJsonAsync(HostA, "/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() })).StatusCode);

        // SMS code sent (event 3201), once on each host: each line labelled with its own homeserver, and
        // nothing else (the request path, which can hold a code, never becomes a scope).
        var sent = logs.Lines.Where(l => l.EventId == 3201).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(["Homeserver:a", "Homeserver:b"], sent.Select(l => string.Join(" ", l.Scopes)).Order());
        Assert.All(logs.Lines, l => Assert.True(l.Scopes.Count <= 1, string.Join(" ", l.Scopes)));
    }

    /// <summary>Keeps each log line's event id and the scopes the logger factory hands its providers.</summary>
    private sealed class ScopeCapturingLogs : ILoggerProvider, ISupportExternalScope
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(int EventId, List<string> Scopes)> _lines = new();
        private IExternalScopeProvider? _scopes;

        public IReadOnlyList<(int EventId, List<string> Scopes)> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                owner._lines.Enqueue((eventId.Id, scopes));
            }
        }
    }

    [Fact]
    public async Task Pass_through_traffic_goes_to_the_homeserver_of_the_host()
    {
        await StartAsync();
        var toA = await SendAsync(HostA, HttpMethod.Get, "/pub/example.com/file-a");
        var toB = await SendAsync(HostB.ToUpperInvariant(), HttpMethod.Get, "/pub/example.com/file-b");
        Assert.NotEqual(HttpStatusCode.BadGateway, toA.StatusCode);
        Assert.NotEqual(HttpStatusCode.BadGateway, toB.StatusCode);
        Assert.Equal(["/pub/example.com/file-a"], A.Requests.Select(r => r.Path));
        Assert.Equal(["/pub/example.com/file-b"], B.Requests.Select(r => r.Path));

        // What the homeserver sees (docs/homeservers.md): Host is its own upstream address, the public
        // host comes as X-Forwarded-Host, and pubky-host (the tenant) passes untouched.
        var tenant = UserKey.Generate().PublicKeyZ32;
        var request = new HttpRequestMessage(HttpMethod.Get, "/pub/example.com/tenant");
        request.Headers.Host = HostA;
        request.Headers.TryAddWithoutValidation("pubky-host", tenant);
        await Gateway.Client.SendAsync(request);
        var seen = A.Requests[^1];
        Assert.Equal(new Uri(A.ClientUrl).Authority, seen.Header("Host"));
        Assert.Equal(HostA, seen.Header("X-Forwarded-Host"));
        Assert.Equal(tenant, seen.Tenant);
    }

    [Fact]
    public async Task An_unknown_host_gets_404_unknown_host_and_nothing_is_forwarded_but_health_and_keys_answer()
    {
        await StartAsync();
        var code = await InviteAsync("a");
        var passThrough = await SendAsync("c.test", HttpMethod.Get, "/pub/example.com/file");
        await passThrough.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-host");
        var signup = await SignupAsync("c.test", code, Signups.NewAuthToken(out _));
        await signup.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-host", mustNotContain: code);
        var sms = await PostJsonAsync("c.test", "/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() });
        await sms.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-host");
        Assert.Empty(A.Requests);
        Assert.Empty(B.Requests);
        Assert.Empty(Prelude.Requests);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("c.test", HttpMethod.Get, "/healthz/live")).StatusCode);
        var keys = await SendAsync("c.test", HttpMethod.Get, "/.well-known/homegate/permit-keys");
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        Assert.Contains("k4.public.", await keys.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The code was not consumed by the refusals: it still signs up on its own host.
        Assert.Equal(HttpStatusCode.OK, (await SignupAsync(HostA, code, Signups.NewAuthToken(out _))).StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.TooManyRequests)]
    [InlineData("Global", HttpStatusCode.TooManyRequests)]
    [InlineData("PerHomeserver", HttpStatusCode.OK)]
    public async Task A_number_verified_twice_on_a_reaches_the_weekly_limit_on_b_unless_limits_are_per_homeserver(string? scope, HttpStatusCode third)
    {
        await StartAsync(config =>
        {
            var sms = config["Homegate"]!["Sms"]!.AsObject();
            sms["MaxVerificationsPerWeek"] = 2;
            if (scope is not null)
            {
                sms["LimitScope"] = scope;
            }
        });
        var phone = SmsTestHost.NewPhoneNumber();
        await VerifyPhoneAsync(HostA, phone);
        await VerifyPhoneAsync(HostA, phone);

        var sent = await PostJsonAsync(HostB, "/sms_verification/send_code", new { phoneNumber = phone });
        if (third == HttpStatusCode.TooManyRequests)
        {
            await sent.AssertProblemAsync(HttpStatusCode.TooManyRequests, "weekly-limit-exceeded", mustNotContain: phone);
            return;
        }

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var verified = await PostJsonAsync(HostB, "/sms_verification/verify_code", new { phoneNumber = phone, code = Prelude.LastCodeFor(phone) });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        using var json = JsonDocument.Parse(await verified.Content.ReadAsStringAsync());
        Assert.Equal(B.PublicKeyZ32, json.RootElement.GetProperty("homeserverPubky").GetString());

        // Per homeserver, A's own count is still full.
        var againOnA = await PostJsonAsync(HostA, "/sms_verification/send_code", new { phoneNumber = phone });
        await againOnA.AssertProblemAsync(HttpStatusCode.TooManyRequests, "weekly-limit-exceeded");
    }

    [Fact]
    public async Task A_code_sent_on_one_homeservers_host_completes_only_there_with_global_limits()
    {
        await StartAsync();
        var phone = SmsTestHost.NewPhoneNumber();
        var sent = await PostJsonAsync(HostA, "/sms_verification/send_code", new { phoneNumber = phone });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var code = Prelude.LastCodeFor(phone);
        var checksBefore = Prelude.Requests.Count;

        // B's host neither completes A's session nor re-binds it with a fresh code.
        var onB = await PostJsonAsync(HostB, "/sms_verification/verify_code", new { phoneNumber = phone, code });
        await onB.AssertProblemAsync(HttpStatusCode.NotFound, "no-pending-verification", mustNotContain: phone);
        var resendOnB = await PostJsonAsync(HostB, "/sms_verification/send_code", new { phoneNumber = phone });
        await resendOnB.AssertProblemAsync(HttpStatusCode.Conflict, "verification-pending", mustNotContain: phone);
        Assert.Equal(checksBefore, Prelude.Requests.Count);

        // A's session is untouched (no attempt spent): the code completes on A, for A.
        var onA = await PostJsonAsync(HostA, "/sms_verification/verify_code", new { phoneNumber = phone, code });
        Assert.Equal(HttpStatusCode.OK, onA.StatusCode);
        using var json = JsonDocument.Parse(await onA.Content.ReadAsStringAsync());
        Assert.Equal(A.PublicKeyZ32, json.RootElement.GetProperty("homeserverPubky").GetString());

        // Once it completed, B's host may start its own verification of the number.
        var freshOnB = await VerifyPhoneAsync(HostB, phone);
        Assert.Equal(B.PublicKeyZ32, freshOnB.GetProperty("homeserverPubky").GetString());
    }

    [Fact]
    public async Task A_homeservers_admin_api_down_stops_only_its_signups_and_readiness_shows_it_degraded()
    {
        await StartAsync();
        var codeA = await InviteAsync("a");
        var codeB = await InviteAsync("b");
        await A.StopAdminApiAsync();

        var refused = await SignupAsync(HostA, codeA, Signups.NewAuthToken(out _));
        await refused.AssertProblemAsync(HttpStatusCode.BadGateway, "homeserver-unavailable", mustNotContain: codeA);
        Assert.Empty(A.SignupRequests);

        var accepted = await SignupAsync(HostB, codeB, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains(user.PublicKeyZ32, B.Users);

        // Pass-through to A still works: only its admin API is away.
        await SendAsync(HostA, HttpMethod.Get, "/pub/example.com/file");
        Assert.Single(A.Requests);

        var ready = await Gateway.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("degraded", json.RootElement.GetProperty("status").GetString());
        var checks = json.RootElement.GetProperty("checks");
        Assert.Equal("degraded", checks.GetProperty("homeserver:a").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("homeserver:b").GetProperty("status").GetString());

        // A's code was released by the refusal and is still good once its admin API is back (not tested
        // here: the fake's admin port is gone); B's readiness never depended on A.
    }

    [Fact]
    public async Task A_homeserver_whose_admin_api_is_down_at_start_does_not_keep_the_others_from_serving()
    {
        await A.StopAdminApiAsync();
        await StartAsync();
        var codeB = await InviteAsync("b");
        var body = Signups.NewAuthToken(out var user);
        Assert.Equal(HttpStatusCode.OK, (await SignupAsync(HostB, codeB, body)).StatusCode);
        Assert.Contains(user.PublicKeyZ32, B.Users);

        var onA = await SignupAsync(HostA, codeB, Signups.NewAuthToken(out _));
        await onA.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "homeserver-unavailable");
        var smsOnA = await PostJsonAsync(HostA, "/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() });
        await smsOnA.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "homeserver-unavailable");
        Assert.Empty(Prelude.Requests);
        Assert.Empty(A.SignupRequests);
    }

    [Fact]
    public async Task A_reload_moves_hosts_between_homeservers_and_a_broken_reload_keeps_the_previous_configuration()
    {
        await StartAsync();
        await (await SendAsync("new.test", HttpMethod.Get, "/pub/x")).AssertProblemAsync(HttpStatusCode.NotFound, "unknown-host");

        WriteSharedConfig(TempDirectory, Db, A, B, Prelude, config => config["Homegate"]!["Homeservers"]!["b"]!["Hosts"] = new System.Text.Json.Nodes.JsonArray(HostB, "new.test"));
        // (The fake answers 404 for a file it does not have: what counts is where the request went.)
        await Eventually(async () =>
        {
            await SendAsync("new.test", HttpMethod.Get, "/pub/moved");
            return B.Requests.Any(r => r.Path == "/pub/moved");
        });
        Assert.DoesNotContain(A.Requests, r => r.Path == "/pub/moved");

        // A reload with an error (a host claimed twice) is refused: the previous hosts stay in force.
        WriteSharedConfig(TempDirectory, Db, A, B, Prelude, config =>
        {
            config["Homegate"]!["Homeservers"]!["a"]!["Hosts"] = new System.Text.Json.Nodes.JsonArray(HostA, "new.test");
            config["Homegate"]!["Homeservers"]!["b"]!["Hosts"] = new System.Text.Json.Nodes.JsonArray(HostB, "new.test");
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        await SendAsync("new.test", HttpMethod.Get, "/pub/still-b");
        Assert.Contains(B.Requests, r => r.Path == "/pub/still-b");
        Assert.DoesNotContain(A.Requests, r => r.Path == "/pub/still-b");
    }

    private static async Task Eventually(Func<Task<bool>> probe)
    {
        for (var i = 0; i < 50 && !await probe(); i++)
        {
            await Task.Delay(200);
        }

        Assert.True(await probe(), "the reload did not take effect within 10 s");
    }

    [Fact]
    public async Task Verifications_a_homeserver_does_not_offer_are_not_found_on_its_hosts()
    {
        await StartAsync(config => config["Homegate"]!["Homeservers"]!["a"]!["Verifications"] = new System.Text.Json.Nodes.JsonArray("Lightning"));
        var phone = SmsTestHost.NewPhoneNumber();
        var onA = await PostJsonAsync(HostA, "/sms_verification/send_code", new { phoneNumber = phone });
        await onA.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Empty(Prelude.Requests);
        var onB = await PostJsonAsync(HostB, "/sms_verification/send_code", new { phoneNumber = phone });
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
    }
}
