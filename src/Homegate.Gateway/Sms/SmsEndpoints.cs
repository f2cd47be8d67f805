using System.Globalization;
using System.Net;
using System.Text.Json;
using Homegate.Gateway.OpenApi;
using Homegate.Gateway.Problems;
using Homegate.Verification.Sms;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Sms;

/// <summary>
/// <c>/sms_verification/*</c> (API.md §4): thin handlers that parse, call
/// <see cref="SmsVerificationService"/> and map its outcome to JSON or problem+json.
/// </summary>
public static class SmsEndpoints
{
    // The bodies are a phone number, a code, a pubky and a dispatch id: a few hundred bytes.
    private const int MaxBodyBytes = 4096;

    /// <summary>Maps send_code, verify_code and status, each with its per-IP rate-limit policy.</summary>
    public static IEndpointRouteBuilder MapSmsVerification(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sms_verification").WithTags("SMS verification");
        group.MapPost("/send_code", SendCodeAsync).RequireRateLimiting("sms-send")
            .WithName("SendSmsCode").WithSummary("Sends a verification code by SMS to an E.164 phone number.")
            .Accepts<SendCodeRequest>("application/json")
            .Produces<SendCodeResponse>()
            .ProducesHomegateProblems(400, 403, 404, 409, 415, 429, 502, 503);
        group.MapPost("/verify_code", VerifyCodeAsync).RequireRateLimiting("sms-verify")
            .WithName("VerifySmsCode").WithSummary("Checks the code; on success returns a signup permit (signupToken) and its signup code (signupCode).")
            .Accepts<VerifyCodeRequest>("application/json")
            .Produces<VerifyCodeResponse>()
            .ProducesHomegateProblems(400, 404, 410, 415, 429, 502, 503);
        group.MapGet("/status/{phoneNumber}", StatusAsync).RequireRateLimiting("sms-status")
            .WithName("GetSmsStatus").WithSummary("Whether the number was verified in the last 365 days or has a pending code.")
            .Produces<StatusResponse>()
            .ProducesHomegateProblems(400, 404, 429, 503);
        return app;
    }

    private static async Task<IResult> SendCodeAsync(HttpContext context, SmsVerificationService service, IOptionsMonitor<SmsOptions> options)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return Disabled();
        }

        var request = await ReadAsync(context, SmsJsonContext.Default.SendCodeRequest);
        if (request is null)
        {
            return InvalidRequest();
        }

        var signals = new PreludeSignals(ClientIp(context), context.Request.Headers.UserAgent is { Count: > 0 } ua ? ua.ToString() : null);
        var result = await service.SendCodeAsync(new SendCodeCommand(request.PhoneNumber, request.Pubky, request.DispatchId, signals), context.RequestAborted);
        return result.Value is { } sent
            ? TypedResults.Json(new SendCodeResponse("pending", sent.SessionReused), SmsJsonContext.Default.SendCodeResponse)
            : Problem(result.Failure!);
    }

    private static async Task<IResult> VerifyCodeAsync(HttpContext context, SmsVerificationService service, IOptionsMonitor<SmsOptions> options)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return Disabled();
        }

        var request = await ReadAsync(context, SmsJsonContext.Default.VerifyCodeRequest);
        if (request is null)
        {
            return InvalidRequest();
        }

        var result = await service.VerifyCodeAsync(request.PhoneNumber, request.Code, context.RequestAborted);
        return result.Value is { } verified
            ? TypedResults.Json(new VerifyCodeResponse(true, verified.Permit, verified.SignupCode, verified.HomeserverPubky, Verification.Permits.Rfc3339.Format(verified.ExpiresAt)), SmsJsonContext.Default.VerifyCodeResponse)
            : Problem(result.Failure!);
    }

    private static async Task<IResult> StatusAsync(string phoneNumber, HttpContext context, SmsVerificationService service, IOptionsMonitor<SmsOptions> options)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return Disabled();
        }

        if (!options.CurrentValue.StatusEndpoint)
        {
            // Switched off (API.md §4): indistinguishable from a path homegate does not serve.
            return OwnedPaths.OwnedPathGuard.NotFound();
        }

        var result = await service.GetStatusAsync(phoneNumber, context.RequestAborted);
        if (result.Value is not { } status)
        {
            return Problem(result.Failure!);
        }

        var body = status.Verified
            ? new StatusResponse("verified", Verification.Permits.Rfc3339.Format(status.VerifiedAt!.Value))
            : new StatusResponse("pending", null);
        return TypedResults.Json(body, SmsJsonContext.Default.StatusResponse);
    }

    /// <summary>Reads a small JSON body; null when it is too large or not a JSON object of the expected shape.</summary>
    private static async Task<T?> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        // No cancellation token: a cancelled read leaves Kestrel's body reader mid-read and its
        // draining then logs an error. A client that vanishes ends the read with an exception anyway.
        while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(length))) > 0)
        {
            length += read;
            if (length > MaxBodyBytes)
            {
                return null;
            }
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(0, length), type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ClientIp(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static IResult Disabled()
        => HomegateProblem.Result(StatusCodes.Status404NotFound, "sms-disabled", "SMS verification is disabled",
            "This homegate does not offer SMS verification.");

    private static IResult InvalidRequest()
        => HomegateProblem.Result(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request",
            "The body must be a JSON object of at most 4 KiB with the documented members.");

    // Fixed texts only: nothing from the request (the number, the code) ever reaches a problem body.
    internal static IResult Problem(SmsFailure failure) => failure.Error switch
    {
        SmsError.InvalidRequest => InvalidRequest(),
        SmsError.InvalidPhoneNumber => HomegateProblem.Result(400, "invalid-phone-number", "Invalid phone number",
            "The phone number must be in E.164 format: + followed by 2 to 15 digits, e.g. +30123456789."),
        SmsError.InvalidPubky => HomegateProblem.Result(400, "invalid-request", "Invalid pubky",
            "pubky must be a z-base-32 public key (52 characters)."),
        SmsError.InvalidCode => HomegateProblem.Result(400, "invalid-code", "Invalid code",
            "The code is wrong, malformed or no longer valid."),
        SmsError.PhoneBlocked => HomegateProblem.Result(403, "phone-blocked", "Phone number blocked",
            "The SMS provider refuses to send codes to this number."),
        SmsError.WeeklyLimitExceeded => HomegateProblem.Result(429, "weekly-limit-exceeded", "Weekly limit exceeded",
            "This number has reached its weekly number of verifications.", failure.RetryAfter),
        SmsError.AnnualLimitExceeded => HomegateProblem.Result(429, "annual-limit-exceeded", "Annual limit exceeded",
            "This number has reached its yearly number of verifications.", failure.RetryAfter),
        SmsError.RateLimited => HomegateProblem.Result(429, "rate-limited", "Too many requests",
            "Too many codes were requested for this number, or the SMS provider is rate-limiting; try again after Retry-After seconds.", failure.RetryAfter),
        SmsError.TooManyAttempts => HomegateProblem.Result(429, "too-many-attempts", "Too many attempts",
            "Too many wrong codes for this number: no new code until Retry-After seconds have passed.", failure.RetryAfter),
        SmsError.VerificationPending => HomegateProblem.Result(409, "verification-pending", "Verification pending",
            "A code is already pending for this number for another public key. Finish or let that verification expire first."),
        SmsError.NoPendingVerification => HomegateProblem.Result(404, "no-pending-verification", "No pending verification",
            "No code is pending for this number. Request a new code."),
        SmsError.VerificationExpired => HomegateProblem.Result(410, "verification-expired", "Verification expired",
            "The code has expired. Request a new code."),
        SmsError.NotVerified => HomegateProblem.Result(404, "not-verified", "Not verified",
            "This number has no verification in the last 365 days and no pending code."),
        SmsError.ProviderUnavailable => HomegateProblem.Result(502, "sms-provider-unavailable", "SMS provider unavailable",
            "The SMS provider could not be reached or did not send a code; try again later."),
        SmsError.Busy => HomegateProblem.Result(503, "busy", "Busy",
            "Too many verification requests are being processed; try again in a second.", TimeSpan.FromSeconds(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure.Error, "Unmapped SMS error."),
    };
}
