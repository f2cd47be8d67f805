using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.Proxy;

/// <summary>API.md §1: everything but signups reaches the homeserver untouched.</summary>
public sealed class PassThroughTests(GateFixture fixture) : IClassFixture<GateFixture>
{
    private readonly HttpClient _client = fixture.Gateway.Client;

    [Fact]
    public async Task Data_requests_pass_with_method_body_headers_query_and_etags()
    {
        fixture.Homeserver.ClearRecorded();
        var tenant = Fakes.Pubky.UserKey.Generate().PublicKeyZ32;
        var put = new HttpRequestMessage(HttpMethod.Put, "/pub/example.com/file.txt?pubky-host=" + tenant)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("hello pubky")),
        };
        put.Headers.TryAddWithoutValidation("Cookie", "session=abc");
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "opaque");
        Assert.True((await _client.SendAsync(put)).IsSuccessStatusCode);

        var recorded = Assert.Single(fixture.Homeserver.Requests);
        Assert.Equal("PUT", recorded.Method);
        Assert.Equal("/pub/example.com/file.txt", recorded.Path);
        Assert.Equal(tenant, recorded.Query("pubky-host"));
        Assert.Equal("session=abc", recorded.Header("Cookie"));
        Assert.Equal("Bearer opaque", recorded.Header("Authorization"));
        Assert.Equal("hello pubky", Encoding.UTF8.GetString(recorded.Body));

        var get = new HttpRequestMessage(HttpMethod.Get, "/pub/example.com/file.txt");
        get.Headers.TryAddWithoutValidation("pubky-host", tenant);
        var first = await _client.SendAsync(get);
        Assert.Equal("hello pubky", await first.Content.ReadAsStringAsync());
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        var conditional = new HttpRequestMessage(HttpMethod.Get, "/pub/example.com/file.txt");
        conditional.Headers.TryAddWithoutValidation("pubky-host", tenant);
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);
    }

    [Fact]
    public async Task Homeserver_errors_pass_through_as_the_homeserver_wrote_them()
    {
        var response = await _client.GetAsync("/signup_tokens/AAAA-BBBB-CCCC");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Server_sent_events_stream_without_buffering()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events-stream");
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = 0;
        while (events < 3)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                events++;
            }
        }

        // Three events arrived while the stream is still open: nothing waited for the end.
        Assert.Equal(3, events);
    }

    [Fact]
    public async Task Spoofed_X_Forwarded_For_from_an_untrusted_peer_does_not_reach_the_homeserver()
    {
        fixture.Homeserver.ClearRecorded();
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);
        var recorded = Assert.Single(fixture.Homeserver.Requests);
        Assert.Equal("127.0.0.1", recorded.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task Permit_keys_are_published_at_the_well_known_url()
    {
        var response = await _client.GetAsync("/.well-known/homegate/permit-keys");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var key = Assert.Single(json.RootElement.GetProperty("keys").EnumerateArray());
        Assert.StartsWith("k4.pid.", key.GetProperty("kid").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("k4.public.", key.GetProperty("paserk").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Homeserver.Requests, r => r.Path.Contains("well-known", StringComparison.Ordinal));
    }
}
