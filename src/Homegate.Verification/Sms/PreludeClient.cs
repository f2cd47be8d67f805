using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Sms;

/// <summary>
/// Prelude Verify API v2 (EXTERNALS.md §3): create a verification (send a code) and check a code.
/// Every call is bounded by <see cref="SmsOptions.RequestTimeout"/>. Provider failures surface as
/// <see cref="PreludeException"/> subclasses; the API key, numbers and codes are never logged.
/// </summary>
internal sealed partial class PreludeClient(IHttpClientFactory httpClientFactory, IOptionsMonitor<SmsOptions> options, ILogger<PreludeClient> logger)
{
    public const string HttpClientName = "prelude";

    public async Task<PreludeCreateResult> CreateAsync(string phoneNumber, PreludeSignals signals, string? dispatchId, CancellationToken cancellationToken)
    {
        var body = new CreateRequest(
            new Target("phone_number", phoneNumber),
            signals.Ip is null && signals.UserAgent is null ? null : new Signals(signals.Ip, signals.UserAgent),
            string.IsNullOrEmpty(dispatchId) ? null : dispatchId);
        var response = await SendAsync("v2/verification", JsonContent.Create(body, PreludeJsonContext.Default.CreateRequest), PreludeJsonContext.Default.CreateResponse, cancellationToken);
        var status = response.Status switch
        {
            "success" => PreludeCreateStatus.Success,
            "retry" => PreludeCreateStatus.Retry,
            "blocked" => PreludeCreateStatus.Blocked,
            "shadow_blocked" => PreludeCreateStatus.ShadowBlocked,
            "challenged" => PreludeCreateStatus.Challenged,
            _ => PreludeCreateStatus.Unknown,
        };
        if (status is (PreludeCreateStatus.Success or PreludeCreateStatus.Retry or PreludeCreateStatus.ShadowBlocked) && string.IsNullOrEmpty(response.Id))
        {
            throw Unavailable("a sent verification without an id");
        }

        return new PreludeCreateResult(response.Id ?? string.Empty, status, response.Reason);
    }

    public async Task<PreludeCheckStatus> CheckAsync(string phoneNumber, string code, CancellationToken cancellationToken)
    {
        var body = new CheckRequest(new Target("phone_number", phoneNumber), code);
        var response = await SendAsync("v2/verification/check", JsonContent.Create(body, PreludeJsonContext.Default.CheckRequest), PreludeJsonContext.Default.CheckResponse, cancellationToken);
        return response.Status switch
        {
            "success" => PreludeCheckStatus.Success,
            "failure" => PreludeCheckStatus.Failure,
            "expired_or_not_found" => PreludeCheckStatus.ExpiredOrNotFound,
            _ => throw Unavailable("an unknown check status"),
        };
    }

    private async Task<T> SendAsync<T>(string path, HttpContent content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var client = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var retryAfter = RetryAfter(response.Headers.RetryAfter);
                LogRateLimited(path, retryAfter?.TotalSeconds);
                throw new PreludeRateLimitedException(retryAfter);
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = await TryReadErrorCodeAsync(response, timeout.Token);
                if (response.StatusCode == HttpStatusCode.BadRequest && error == "invalid_phone_number")
                {
                    throw new PreludeInvalidPhoneNumberException();
                }

                throw Unavailable($"HTTP {(int)response.StatusCode} ({error ?? "no error code"})");
            }

            return await response.Content.ReadFromJsonAsync(responseType, timeout.Token)
                ?? throw Unavailable("an empty answer");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"no answer within {settings.RequestTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            throw Unavailable(e.HttpRequestError.ToString());
        }
        catch (JsonException)
        {
            throw Unavailable("a malformed answer");
        }
    }

    private static async Task<string?> TryReadErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync(PreludeJsonContext.Default.ErrorResponse, cancellationToken);
            return error?.Code;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null; // not JSON
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private PreludeUnavailableException Unavailable(string what)
    {
        LogUnavailable(what);
        return new PreludeUnavailableException(what);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Prelude is unavailable: {What}")]
    private partial void LogUnavailable(string what);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Prelude rate-limited {Path} (Retry-After {RetryAfterSeconds} s)")]
    private partial void LogRateLimited(string path, double? retryAfterSeconds);

    internal sealed record Target([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("value")] string Value);

    internal sealed record Signals(
        [property: JsonPropertyName("ip")] string? Ip,
        [property: JsonPropertyName("user_agent")] string? UserAgent);

    internal sealed record CreateRequest(
        [property: JsonPropertyName("target")] Target Target,
        [property: JsonPropertyName("signals")] Signals? Signals,
        [property: JsonPropertyName("dispatch_id")] string? DispatchId);

    internal sealed record CreateResponse(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("reason")] string? Reason);

    internal sealed record CheckRequest(
        [property: JsonPropertyName("target")] Target Target,
        [property: JsonPropertyName("code")] string Code);

    internal sealed record CheckResponse(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("status")] string? Status);

    internal sealed record ErrorResponse(
        [property: JsonPropertyName("code")] string? Code,
        [property: JsonPropertyName("message")] string? Message);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PreludeClient.CreateRequest))]
[JsonSerializable(typeof(PreludeClient.CreateResponse))]
[JsonSerializable(typeof(PreludeClient.CheckRequest))]
[JsonSerializable(typeof(PreludeClient.CheckResponse))]
[JsonSerializable(typeof(PreludeClient.ErrorResponse))]
internal sealed partial class PreludeJsonContext : JsonSerializerContext;

/// <summary>What Prelude is told about the requester, to score fraud.</summary>
internal sealed record PreludeSignals(string? Ip, string? UserAgent);

internal enum PreludeCreateStatus
{
    Success,
    Retry,
    Blocked,
    ShadowBlocked,
    Challenged,
    Unknown,
}

internal sealed record PreludeCreateResult(string Id, PreludeCreateStatus Status, string? Reason);

internal enum PreludeCheckStatus
{
    Success,
    Failure,
    ExpiredOrNotFound,
}

#pragma warning disable CA1032 // internal exceptions with exactly the constructors we use
internal abstract class PreludeException(string message) : Exception(message);

/// <summary>Prelude answered 429; <see cref="RetryAfter"/> is its Retry-After, when it sent one.</summary>
internal sealed class PreludeRateLimitedException(TimeSpan? retryAfter) : PreludeException("Prelude rate-limited the request.")
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>Prelude rejected the number itself (400 <c>invalid_phone_number</c>).</summary>
internal sealed class PreludeInvalidPhoneNumberException() : PreludeException("Prelude rejected the phone number.");

/// <summary>Prelude failed, timed out or answered something we cannot use.</summary>
internal sealed class PreludeUnavailableException(string what) : PreludeException("Prelude is unavailable: " + what);
#pragma warning restore CA1032
