using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Homegate.Fakes.Pubky;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>What a signup client does, and what the tests check of homegate's answers.</summary>
public static class Signups
{
    public static byte[] NewAuthToken(out UserKey user)
    {
        user = UserKey.Generate();
        return AuthTokens.Create(user, DateTimeOffset.UtcNow);
    }

    public static Task<HttpResponseMessage> PostSignupAsync(this HttpClient client, string? permit, byte[] body, string path = "/signup", bool inHeader = false)
    {
        var uri = permit is null || inHeader ? path : $"{path}?signup_token={Uri.EscapeDataString(permit)}";
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        if (permit is not null && inHeader)
        {
            request.Headers.TryAddWithoutValidation("Homegate-Permit", permit);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostGrantSignupAsync(this HttpClient client, string? permit, string json, string path = "/auth/grant/signup")
    {
        var uri = permit is null ? path : $"{path}?signup_token={Uri.EscapeDataString(permit)}";
        var content = new StringContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(uri, content);
    }

    /// <summary>Asserts an RFC 9457 problem with homegate's extensions, and that it leaks no permit.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code, string? mustNotContain = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal("urn:homegate:problem:" + code, root.GetProperty("type").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("traceId").GetString()));
        if (status == HttpStatusCode.TooManyRequests)
        {
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        }

        if (mustNotContain is not null)
        {
            Assert.DoesNotContain(mustNotContain, text, StringComparison.Ordinal);
        }

        return root;
    }
}
