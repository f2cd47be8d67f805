using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Permits;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>Issue 10, item 8: what clients send wrongly gets a 4xx (or nothing, when they left), never a 500 or an Error log.</summary>
public sealed class ClientFaultTests : FullGatewayTestBase
{
    private static readonly byte[] BadUtf8 = [0xC3, 0x28, 0xFF];

    private static ByteArrayContent JsonWith(string before, string after)
    {
        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(before), .. BadUtf8, .. Encoding.UTF8.GetBytes(after)]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        return content;
    }

    [Theory]
    [InlineData("/ln_verification", """{"description":" """, "\"}")]
    [InlineData("/ln_verification", """{"pubky":" """, "\"}")]
    [InlineData("/sms_verification/send_code", """{"phoneNumber":"+30123456789","pubky":" """, "\"}")]
    [InlineData("/sms_verification/verify_code", """{"phoneNumber":"+30123456789","code":" """, "\"}")]
    public async Task Invalid_utf8_inside_json_strings_is_a_400(string path, string before, string after)
    {
        using var response = await Client.PostAsync(new Uri(path, UriKind.Relative), JsonWith(before, after));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(ErrorLogs);
    }

    [Theory]
    [InlineData("""{"grant":" """, "\",\"pop\":\"x\"}")]
    [InlineData("""{"grant":"a.""", ".c\",\"pop\":\"x\"}")]
    public async Task Invalid_utf8_in_a_grant_signup_body_is_invalid_signup_body_and_not_forwarded(string before, string after)
    {
        var permit = Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, null).Token;
        using var response = await Client.PostAsync(
            new Uri("/auth/grant/signup?signup_token=" + Uri.EscapeDataString(permit), UriKind.Relative), JsonWith(before, after));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-signup-body", permit);
        Assert.Empty(Homeserver.Requests);
        Assert.Empty(ErrorLogs);
    }

    [Fact]
    public async Task A_grant_whose_payload_holds_invalid_utf8_is_invalid_signup_body()
    {
        var payload = Verification.Crypto.Base64Url.Encode([.. "{\"iss\":\""u8.ToArray(), .. BadUtf8, .. "\"}"u8.ToArray()]);
        var permit = Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, null).Token;

        using var response = await Client.PostGrantSignupAsync(permit, $$"""{"grant":"eyJhbGciOiJFZERTQSJ9.{{payload}}.c2ln","pop":"x"}""");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-signup-body", permit);
        Assert.Empty(Homeserver.Requests);
        Assert.Empty(ErrorLogs);
    }

    [Fact]
    public async Task A_request_body_slower_than_kestrels_minimum_rate_gets_408_problem_json()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, "POST /sms_verification/send_code HTTP/1.1\r\nHost: homegate\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"phoneNumber\":");

        // Kestrel's default minimum body rate (240 bytes/s after a 5 s grace) gives up on us.
        var answer = await ReceiveAsync(socket, TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request-timeout\"", answer, StringComparison.Ordinal);
        Assert.Empty(Prelude.Requests);
        Assert.Empty(ErrorLogs);
    }

    [Theory]
    [InlineData("/sms_verification/send_code")]
    [InlineData("/ln_verification")]
    [InlineData("/signup")]
    [InlineData("/auth/grant/signup")]
    [InlineData("/pub/example.com/file.txt")]
    public async Task Connections_reset_mid_body_leave_no_error_logs(string path)
    {
        for (var i = 0; i < 3; i++)
        {
            var socket = await ConnectAsync();
            await SendAsync(socket, $"POST {path} HTTP/1.1\r\nHost: homegate\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"phoneNumber\":\"+3012");
            await Task.Delay(100);
            socket.LingerState = new LingerOption(true, 0); // close with RST
            socket.Close();
        }

        // Give the server time to notice and (wrongly) log; then prove it still serves.
        await Task.Delay(1500);
        using var live = await Client.GetAsync(new Uri("/healthz/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.True(ErrorLogs.Count == 0, string.Join("\n", ErrorLogs));
    }

    [Fact]
    public async Task Send_code_naming_another_pubky_than_the_pending_session_is_409_verification_pending()
    {
        var phone = "+3069" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var first = await Client.PostAsync(new Uri("/sms_verification/send_code", UriKind.Relative),
            new StringContent($$"""{"phoneNumber":"{{phone}}","pubky":"{{Fakes.Pubky.UserKey.Generate().PublicKeyZ32}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await Client.PostAsync(new Uri("/sms_verification/send_code", UriKind.Relative),
            new StringContent($$"""{"phoneNumber":"{{phone}}","pubky":"{{Fakes.Pubky.UserKey.Generate().PublicKeyZ32}}"}""", Encoding.UTF8, "application/json"));

        var body = await second.AssertProblemAsync(HttpStatusCode.Conflict, "verification-pending", phone);
        Assert.DoesNotContain(phone.TrimStart('+'), body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, Prelude.CreateCount(phone));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Host.BaseUrl.Port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[8192];
        var received = new StringBuilder();
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (received.ToString().Contains('}', StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return received.ToString();
    }
}
