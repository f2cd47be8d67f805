using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>Issue 10, item 9: <c>Homegate:Sms:StatusEndpoint=false</c> hides whether a number is in use.</summary>
public sealed class SmsStatusSwitchTests : FullGatewayTestBase
{
    protected override void EditConfig(JsonObject config) => config["Homegate"]!["Sms"]!["StatusEndpoint"] = false;

    [Fact]
    public async Task The_switched_off_status_endpoint_answers_exactly_like_an_unknown_route()
    {
        var phone = "+3069" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync(phone);

        using var status = await Client.GetAsync(new Uri("/sms_verification/status/" + Uri.EscapeDataString(phone), UriKind.Relative));
        using var unknown = await Client.GetAsync(new Uri("/sms_verification/nothing-here/" + Uri.EscapeDataString(phone), UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal(unknown.StatusCode, status.StatusCode);
        Assert.Equal(unknown.Content.Headers.ContentType?.MediaType, status.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await WithoutTraceIdAsync(unknown), await WithoutTraceIdAsync(status));
        Assert.Empty(Homeserver.Requests);
    }

    [Fact]
    public async Task Send_and_verify_answers_are_the_same_for_a_pending_and_an_unknown_number()
    {
        var pending = "+3069" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var unknown = "+3069" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("""{"status":"pending","sessionReused":false}""", await SendAsync(pending));
        Assert.Equal("""{"status":"pending","sessionReused":false}""", await SendAsync(pending));

        var wrong = Prelude.LastCodeFor(pending) == "111111" ? "222222" : "111111";
        using var forPending = await VerifyAsync(pending, wrong);
        using var forUnknown = await VerifyAsync(unknown, wrong);

        Assert.Equal(HttpStatusCode.BadRequest, forPending.StatusCode);
        Assert.Equal(forPending.StatusCode, forUnknown.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(forPending), await WithoutTraceIdAsync(forUnknown));
    }

    private async Task<string> SendAsync(string phone)
    {
        using var response = await Client.PostAsync(new Uri("/sms_verification/send_code", UriKind.Relative),
            new StringContent($$"""{"phoneNumber":"{{phone}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private Task<HttpResponseMessage> VerifyAsync(string phone, string code)
        => Client.PostAsync(new Uri("/sms_verification/verify_code", UriKind.Relative),
            new StringContent($$"""{"phoneNumber":"{{phone}}","code":"{{code}}"}""", Encoding.UTF8, "application/json"));

    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var node = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString(new JsonSerializerOptions());
    }
}
