using System.Net;
using System.Net.Sockets;
using System.Text;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Proxy;

/// <summary>Issue 10 items 6 and 10: what the homeserver receives from a pass-through, exactly.</summary>
public sealed class ProxyHygieneTests(GateFixture fixture) : IClassFixture<GateFixture>
{
    private readonly HttpClient _client = fixture.Gateway.Client;

    [Theory]
    [InlineData("/signup")]
    [InlineData("/auth/grant/signup")]
    [InlineData("/SIGNUP/")]
    public async Task A_cors_preflight_on_a_signup_path_reaches_the_homeserver_without_the_permit(string path)
    {
        var permit = fixture.Gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;
        var marker = Guid.NewGuid().ToString("N");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"{path}?signup_token={Uri.EscapeDataString(permit)}&marker={marker}");
        preflight.Headers.TryAddWithoutValidation("Origin", "https://app.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Homegate-Permit", permit);
        using var response = await _client.SendAsync(preflight);

        var recorded = Assert.Single(fixture.Homeserver.Requests, r => r.Method == "OPTIONS" && r.Query("marker") == marker);
        Assert.Null(recorded.Query("signup_token"));
        Assert.Null(recorded.Header("Homegate-Permit"));
        Assert.DoesNotContain(permit, recorded.RawTarget, StringComparison.Ordinal);
        Assert.DoesNotContain(recorded.Headers.Values, v => v.Contains(permit, StringComparison.Ordinal));
    }

    [Fact]
    public async Task X_Real_IP_from_the_client_does_not_reach_the_homeserver()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?marker=" + marker);
        request.Headers.TryAddWithoutValidation("X-Real-IP", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=6.6.6.6");
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);

        var recorded = Assert.Single(fixture.Homeserver.Requests, r => r.Query("marker") == marker);
        Assert.Null(recorded.Header("X-Real-IP"));
        Assert.Null(recorded.Header("Forwarded"));
        Assert.Equal("127.0.0.1", recorded.Header("X-Forwarded-For"));
    }

    [Theory]
    [InlineData("/pub/example.com/a%2Fb.txt")]
    [InlineData("/pub/example.com/a%252Fb.txt")]
    [InlineData("/pub/example.com/a%2fb%20c.txt")]
    public async Task An_encoded_slash_in_a_path_arrives_upstream_as_sent(string path)
    {
        var marker = Guid.NewGuid().ToString("N");
        using var response = await _client.GetAsync(path + "?marker=" + marker);
        var recorded = Assert.Single(fixture.Homeserver.Requests, r => r.Query("marker") == marker);
        Assert.Equal(path + "?marker=" + marker, recorded.RawTarget);
    }

    [Fact]
    public async Task Pass_through_bodies_above_Kestrels_default_reach_the_homeserver()
    {
        // Kestrel's default cap is 30,000,000 bytes; the homeserver takes up to 100 MiB. Streamed, never held in memory.
        const long Length = 31_000_000;
        var marker = Guid.NewGuid().ToString("N");
        var tenant = Fakes.Pubky.UserKey.Generate().PublicKeyZ32;
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/pub/example.com/big.bin?pubky-host={tenant}&marker={marker}")
        {
            Content = new StreamContent(new ZeroStream(Length)),
        };
        put.Content.Headers.ContentLength = Length;
        using var response = await _client.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(Length, Assert.Single(fixture.Homeserver.Requests, r => r.Query("marker") == marker).BodyLength);
    }

    [Fact]
    public async Task Pass_through_bodies_above_100_MiB_are_refused_before_anything_is_forwarded()
    {
        var marker = Guid.NewGuid().ToString("N");
        var (status, body) = await AnswerForDeclaredLengthAsync($"/pub/example.com/huge.bin?marker={marker}", (100L * 1024 * 1024) + 1);
        Assert.Equal(413, status);
        Assert.Contains("\"code\":\"body-too-large\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Homeserver.Requests, r => r.Query("marker") == marker);
    }

    [Fact]
    public async Task A_signup_body_above_16_KiB_is_refused_by_the_gate_whatever_the_pass_through_limit()
    {
        var permit = fixture.Gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;
        using var response = await _client.PostSignupAsync(permit, new byte[(16 * 1024) + 1]);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-signup-body", permit);
    }

    /// <summary>Sends only the request head with a Content-Length; returns the status and the body start.</summary>
    private async Task<(int Status, string Body)> AnswerForDeclaredLengthAsync(string target, long length)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Gateway.BaseUrl.Host, fixture.Gateway.BaseUrl.Port);
        await using var stream = tcp.GetStream();
        var head = $"PUT {target} HTTP/1.1\r\nHost: {fixture.Gateway.BaseUrl.Authority}\r\nContent-Length: {length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\"traceId\"", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = received.ToString();
        return (int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), text);
    }

    /// <summary>A read-only stream of <c>length</c> zero bytes.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
