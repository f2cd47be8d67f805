using System.Net;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Homegate.Fakes.Prelude;

/// <summary>
/// Prelude's documented one-off answers (429 with Retry-After, 5xx, <c>blocked</c>, <c>challenged</c>,
/// slow answers) as a WireMock.Net server: for tests where a request only needs a canned answer.
/// Codes, windows and attempt counting stay in <see cref="FakePrelude"/>.
/// </summary>
public sealed class PreludeStub : IDisposable
{
    private const string CreatePath = "/v2/verification";

    private readonly WireMockServer _server;

    private PreludeStub(WireMockServer server)
    {
        _server = server;
        BaseUrl = new Uri(server.Url!.TrimEnd('/') + "/");
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// Starts a stub on loopback and sends it one request, so the server's first-request cost (up to
    /// about a second) is not paid inside a test's short client timeout.
    /// </summary>
    public static async Task<PreludeStub> StartAsync()
    {
        var stub = new PreludeStub(WireMockServer.Start());
        using var client = new HttpClient { BaseAddress = stub.BaseUrl };
        using var warmUp = await client.GetAsync(new Uri("_warm-up", UriKind.Relative));
        return stub;
    }

    /// <summary>Create (<c>POST /v2/verification</c>) for this number answers 429 with this Retry-After.</summary>
    public void RateLimitCreate(string phoneNumber, TimeSpan retryAfter)
        => _server.Given(CreateFor(phoneNumber)).RespondWith(Response.Create()
            .WithStatusCode(HttpStatusCode.TooManyRequests)
            .WithHeader("Retry-After", ((long)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithBodyAsJson(Error("too_many_requests", "Too many requests.")));

    /// <summary>Create for this number answers this status with Prelude's error body.</summary>
    public void FailCreate(string phoneNumber, int status)
        => _server.Given(CreateFor(phoneNumber)).RespondWith(Response.Create()
            .WithStatusCode(status)
            .WithBodyAsJson(Error("internal_error", "Something went wrong.")));

    /// <summary>Create for this number answers 200 with this verification status (and reason), after <paramref name="delay"/>.</summary>
    public void AnswerCreate(string phoneNumber, string status, string? reason = null, TimeSpan? delay = null)
    {
        var body = new Dictionary<string, object>
        {
            ["id"] = "vrf_" + Guid.NewGuid().ToString("N")[..26],
            ["status"] = status,
            ["method"] = "message",
            ["channels"] = new[] { "sms" },
        };
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        var response = Response.Create().WithStatusCode(HttpStatusCode.OK).WithBodyAsJson(body);
        if (delay is { } wait)
        {
            response = response.WithDelay(wait);
        }

        _server.Given(CreateFor(phoneNumber)).RespondWith(response);
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Dispose();
    }

    private static IRequestBuilder CreateFor(string phoneNumber)
        => Request.Create().WithPath(CreatePath).UsingPost()
            .WithBody((string? body) => Targets(body, phoneNumber));

    // The number as the request's target; read as JSON because the client may escape the '+'.
    private static bool Targets(string? body, string phoneNumber)
    {
        try
        {
            return body is not null
                && System.Text.Json.Nodes.JsonNode.Parse(body)?["target"]?["value"]?.GetValue<string>() == phoneNumber;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> Error(string code, string message) => new()
    {
        ["code"] = code,
        ["message"] = message,
        ["type"] = "bad_request",
        ["request_id"] = Guid.NewGuid().ToString("N"),
    };
}
