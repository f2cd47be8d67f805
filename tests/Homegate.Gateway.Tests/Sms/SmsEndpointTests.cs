using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Homegate.Fakes;
using Homegate.Fakes.Prelude;

namespace Homegate.Gateway.Tests.Sms;

public sealed class SmsEndpointTests : SmsTestBase
{
    [Fact]
    public async Task Send_verify_and_status_over_http_yield_a_permit_and_a_verified_status()
    {
        await using var host = await StartAsync();
        var phone = SmsTestHost.NewPhoneNumber();

        var sent = await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone, dispatchId = "d-1" });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("""{"status":"pending","sessionReused":false}""", await sent.Content.ReadAsStringAsync());
        var again = await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone });
        Assert.Equal("""{"status":"pending","sessionReused":true}""", await again.Content.ReadAsStringAsync());

        var pending = await host.Client.GetAsync(new Uri("/sms_verification/status/" + Uri.EscapeDataString(phone), UriKind.Relative));
        Assert.Equal("""{"status":"pending"}""", await pending.Content.ReadAsStringAsync());

        var verified = await host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = Prelude.LastCodeFor(phone) });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        using (var body = JsonDocument.Parse(await verified.Content.ReadAsStringAsync()))
        {
            Assert.True(body.RootElement.GetProperty("verified").GetBoolean());
            Assert.StartsWith("v4.public.", body.RootElement.GetProperty("signupToken").GetString(), StringComparison.Ordinal);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body.RootElement.GetProperty("expiresAt").GetString());
        }

        var status = await host.Client.GetAsync(new Uri("/sms_verification/status/" + phone, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using (var body = JsonDocument.Parse(await status.Content.ReadAsStringAsync()))
        {
            Assert.Equal("verified", body.RootElement.GetProperty("status").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body.RootElement.GetProperty("verifiedAt").GetString());
        }

        var create = Prelude.Requests.First(r => r.PhoneNumber == phone);
        Assert.Equal("127.0.0.1", create.Ip);
        Assert.Equal("sms-endpoint-tests/1.0", create.UserAgent);
        Assert.Equal("d-1", create.DispatchId);
    }

    [Theory]
    [InlineData("send_code", """{"phoneNumber":"0030123456789"}""", 400, "invalid-phone-number")]
    [InlineData("send_code", """{"phoneNumber":"+30123456789","pubky":"nope"}""", 400, "invalid-request")]
    [InlineData("send_code", """{"phoneNumber":""", 400, "invalid-request")]
    [InlineData("send_code", "", 400, "invalid-request")]
    [InlineData("verify_code", """{"phoneNumber":"+30123456789","code":"12a4"}""", 400, "invalid-code")]
    [InlineData("verify_code", """{"phoneNumber":"+30123456789","code":"123456"}""", 404, "no-pending-verification")]
    public async Task Bad_requests_get_problem_json_with_a_stable_code(string endpoint, string json, int status, string code)
    {
        await using var host = await StartAsync();

        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await host.Client.PostAsync(new Uri("/sms_verification/" + endpoint, UriKind.Relative), content);

        await AssertProblemAsync(response, status, code);
    }

    [Fact]
    public async Task Unknown_number_status_is_404_not_verified_and_malformed_is_400()
    {
        await using var host = await StartAsync();

        await AssertProblemAsync(await host.Client.GetAsync(new Uri("/sms_verification/status/%2B30111111111", UriKind.Relative)), 404, "not-verified");
        await AssertProblemAsync(await host.Client.GetAsync(new Uri("/sms_verification/status/30111111111", UriKind.Relative)), 400, "invalid-phone-number");
    }

    [Fact]
    public async Task Provider_answers_map_to_429_with_retry_after_403_and_502()
    {
        using var stub = await PreludeStub.StartAsync();
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Homegate:Sms:BaseUrl"] = stub.BaseUrl.ToString() });
        var limited = SmsTestHost.NewPhoneNumber();
        var blocked = SmsTestHost.NewPhoneNumber();
        var broken = SmsTestHost.NewPhoneNumber();
        stub.RateLimitCreate(limited, TimeSpan.FromSeconds(42));
        stub.AnswerCreate(blocked, "blocked", "in_block_list");
        stub.FailCreate(broken, 503);

        var response = await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = limited });
        await AssertProblemAsync(response, 429, "rate-limited");
        Assert.Equal(TimeSpan.FromSeconds(42), response.Headers.RetryAfter?.Delta);
        await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = blocked }), 403, "phone-blocked");
        await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = broken }), 502, "sms-provider-unavailable");
    }

    [Fact]
    public async Task Too_many_wrong_codes_answer_429_and_then_404()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Homegate:Sms:MaxFailedAttempts"] = "2" });
        var phone = SmsTestHost.NewPhoneNumber();
        await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone });
        var code = Prelude.LastCodeFor(phone)!;
        var wrong = code == "111111" ? "222222" : "111111";

        for (var i = 0; i < 2; i++)
        {
            await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = wrong }), 400, "invalid-code");
        }

        var burned = await host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code });
        await AssertProblemAsync(burned, 429, "too-many-attempts");
        Assert.NotNull(burned.Headers.RetryAfter);
        await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code }), 404, "no-pending-verification");
    }

    [Fact]
    public async Task Disabled_sms_answers_404_sms_disabled_on_every_endpoint()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Homegate:Sms:Enabled"] = "false" });

        await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = "+30123456789" }), 404, "sms-disabled");
        await AssertProblemAsync(await host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = "+30123456789", code = "123456" }), 404, "sms-disabled");
        await AssertProblemAsync(await host.Client.GetAsync(new Uri("/sms_verification/status/+30123456789", UriKind.Relative)), 404, "sms-disabled");
        Assert.Empty(Prelude.Requests);
    }

    [Fact]
    public async Task Endpoints_carry_their_rate_limit_policies()
    {
        await using var host = await StartAsync(perPolicyLimit: 2);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await host.Client.GetAsync(new Uri("/sms_verification/status/+30111111111", UriKind.Relative))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests], statuses);

        // Another policy, another budget.
        var send = await host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() });
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
    }

    [Fact]
    public async Task No_phone_number_or_code_reaches_logs_problem_bodies_or_the_database()
    {
        await using var host = await StartAsync();
        var phone = SmsTestHost.NewPhoneNumber();
        var bodies = new System.Text.StringBuilder();

        async Task Call(Task<HttpResponseMessage> request) => bodies.AppendLine(await (await request).Content.ReadAsStringAsync());
        await Call(host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone }));
        var code = Prelude.LastCodeFor(phone)!;
        await Call(host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code = code == "123456" ? "654321" : "123456" }));
        await Call(host.Client.GetAsync(new Uri("/sms_verification/status/" + phone, UriKind.Relative)));
        await Call(host.Client.PostAsJsonAsync("/sms_verification/verify_code", new { phoneNumber = phone, code }));
        await Call(host.Client.GetAsync(new Uri("/sms_verification/status/" + phone, UriKind.Relative)));
        await Call(host.Client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = phone + "x" }));

        var digits = phone.TrimStart('+');
        var dump = await DumpDatabaseAsync();
        Assert.Contains("sms_sessions", dump, StringComparison.Ordinal);
        Assert.NotEmpty(host.Logs.Lines);
        foreach (var secret in new[] { digits, code })
        {
            Assert.DoesNotContain(secret, host.Logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, dump, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(digits, bodies.ToString(), StringComparison.Ordinal);
    }

    private Task<SmsTestHost> StartAsync(IDictionary<string, string?>? settings = null, int perPolicyLimit = 10_000)
        => SmsTestHost.StartAsync(Db, Prelude, DataDir, settings, perPolicyLimit);

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
        Assert.Equal("urn:homegate:problem:" + code, body.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, body.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("traceId").GetString()));
    }

    private async Task<string> DumpDatabaseAsync()
    {
        await using var connection = await Db.DataSource.OpenConnectionAsync();
        var tables = new List<string>();
        await using (var command = new Npgsql.NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var command = new Npgsql.NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dump.AppendLine(table + ": " + reader.GetString(0));
            }
        }

        return dump.ToString();
    }
}
