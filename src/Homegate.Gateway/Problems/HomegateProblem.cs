using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Homegate.Gateway.Problems;

/// <summary>
/// Errors homegate itself produces: <c>application/problem+json</c> (RFC 9457) with <c>type</c>
/// <c>urn:homegate:problem:&lt;code&gt;</c>, <c>title</c>, <c>status</c>, <c>detail</c>, and the
/// extensions <c>code</c> and <c>traceId</c>. 429 and 503 answers may carry <c>Retry-After</c>.
/// Details never contain phone numbers, codes, permits or stack traces: callers pass fixed text.
/// </summary>
public static class HomegateProblem
{
    public const string ContentType = "application/problem+json";

    // Messages are shown to people: "can't" must not arrive as "can\u0027t". Relaxed escaping still
    // escapes quotes, backslashes and control characters, which is all JSON needs; the answer is JSON
    // with nosniff, never HTML, so HTML-sensitive characters need no escaping.
    private static readonly ProblemJsonContext Json = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Set in <see cref="HttpContext.Items"/> when homegate wrote the answer itself (not the homeserver).</summary>
    public static readonly object ProducedByHomegate = new();

    /// <summary>A minimal-API result; see <see cref="WriteAsync"/>.</summary>
    public static IResult Result(int status, string code, string title, string? detail = null, TimeSpan? retryAfter = null)
        => new ProblemResult(status, code, title, detail, retryAfter);

    /// <summary>Writes the problem to the response unless it has started (then it only logs nothing and returns).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string title, string? detail = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        context.Items[ProducedByHomegate] = true;
        if (retryAfter is { } wait)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var body = new ProblemBody(
            "urn:homegate:problem:" + code,
            title,
            status,
            detail ?? title,
            code,
            Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier);
        return JsonSerializer.SerializeAsync(response.Body, body, Json.ProblemBody, context.RequestAborted);
    }

    private sealed class ProblemResult(int status, string code, string title, string? detail, TimeSpan? retryAfter) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, status, code, title, detail, retryAfter);
    }
}

internal sealed record ProblemBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("traceId")] string TraceId);

[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ProblemJsonContext : JsonSerializerContext;
