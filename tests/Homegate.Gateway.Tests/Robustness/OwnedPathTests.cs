using System.Net;
using System.Text;
using System.Text.Json;
using Homegate.Gateway.OwnedPaths;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>Issue 10, item 5 (API.md §1): nothing under homegate's own prefixes reaches the homeserver.</summary>
public sealed class OwnedPathTests : FullGatewayTestBase
{
    protected override void ConfigureServices(IServiceCollection services) => services.AddOwnedPathPrefix("/join");

    // The verification page now lives at /join; switched off, its prefix is still homegate's (404).
    protected override void EditConfig(System.Text.Json.Nodes.JsonObject config) =>
        config["Homegate"]!["Page"] = new System.Text.Json.Nodes.JsonObject { ["Enabled"] = false };

    [Theory]
    [InlineData("POST", "/sms_verification/send_code", "text/plain", 415, "unsupported-media-type")]
    [InlineData("POST", "/sms_verification/send_code", null, 415, "unsupported-media-type")]
    [InlineData("POST", "/sms_verification/verify_code", "application/x-www-form-urlencoded", 415, "unsupported-media-type")]
    [InlineData("GET", "/sms_verification/send_code", null, 405, "method-not-allowed")]
    [InlineData("PUT", "/sms_verification/verify_code", "application/json", 405, "method-not-allowed")]
    [InlineData("OPTIONS", "/sms_verification/send_code", null, 405, "method-not-allowed")]
    [InlineData("DELETE", "/sms_verification/status/+30123456789", null, 405, "method-not-allowed")]
    [InlineData("GET", "/SMS_Verification/Send_Code", null, 405, "method-not-allowed")]
    [InlineData("POST", "/sms_verification/nope", "application/json", 404, "not-found")]
    [InlineData("GET", "/sms_verification", null, 404, "not-found")]
    [InlineData("GET", "/sms_verification/", null, 404, "not-found")]
    [InlineData("POST", "/sms_verification/send_code/extra", "application/json", 404, "not-found")]
    [InlineData("PUT", "/ln_verification/0190a7c5-0000-7000-8000-000000000000", "application/json", 405, "method-not-allowed")]
    [InlineData("GET", "/ln_verification/a/b/c", null, 404, "not-found")]
    [InlineData("POST", "/.well-known/homegate/permit-keys", "application/json", 405, "method-not-allowed")]
    [InlineData("GET", "/.well-known/homegate/anything", null, 404, "not-found")]
    [InlineData("GET", "/.well-known/homegate", null, 404, "not-found")]
    [InlineData("POST", "/healthz/live", "application/json", 404, "not-found")]
    [InlineData("GET", "/join", null, 404, "not-found")]
    [InlineData("POST", "/join/step", "text/html", 404, "not-found")]
    public async Task Requests_under_an_owned_prefix_are_answered_by_homegate_and_never_forwarded(string method, string path, string? contentType, int status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is not ("GET" or "DELETE" or "OPTIONS"))
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"phoneNumber":"+30123456789","code":"123456"}"""));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
        if (status == 405)
        {
            Assert.NotEmpty(response.Content.Headers.Allow);
        }

        Assert.Empty(Homeserver.Requests);
        Assert.Empty(Prelude.Requests);
    }

    [Theory]
    [InlineData("//sms_verification/send_code")]
    [InlineData("/sms_verification%2Fsend_code")]
    [InlineData("/sms_verification%252Fsend_code")]
    [InlineData("/sms_verification/./send_code")]
    [InlineData("/%73ms_verification/send_code")]
    [InlineData("/sms_verification//send_code")]
    [InlineData("/ln_verification%2F")]
    [InlineData("/.well-known/homegate%2Fpermit-keys")]
    public async Task Odd_spellings_of_owned_paths_are_refused_and_never_forwarded(string path)
    {
        foreach (var contentType in new[] { "application/json", "text/plain" })
        {
            using var content = new StringContent("""{"phoneNumber":"+30123456789"}""", Encoding.UTF8, contentType);
            using var response = await Client.PostAsync(new Uri(Host.BaseUrl.ToString().TrimEnd('/') + path), content);

            // Kestrel itself decodes %73 and removes dot segments: then homegate's endpoint serves it.
            Assert.InRange((int)response.StatusCode, 200, 499);
            if (!response.IsSuccessStatusCode)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Paths_that_only_start_like_an_owned_prefix_still_pass_through()
    {
        using var response = await Client.GetAsync(new Uri("/joinus/file.txt", UriKind.Relative));

        Assert.Single(Homeserver.Requests);
        Assert.Equal("/joinus/file.txt", Homeserver.Requests[0].Path);
    }

    [Fact]
    public async Task Owned_endpoints_still_answer_their_own_requests()
    {
        using var keys = await Client.GetAsync(new Uri("/.well-known/homegate/permit-keys", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var send = await Client.PostAsync(new Uri("/sms_verification/send_code", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.BadRequest, send.StatusCode);
        Assert.Empty(Homeserver.Requests);
    }
}
