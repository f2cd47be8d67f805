using System.Text.Json;
using Homegate.Gateway.OpenApi;
using Homegate.Gateway.Problems;
using Homegate.Verification.Lightning;
using Homegate.Verification.Permits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Homegate.Gateway.Lightning;

public static class LightningEndpoints
{
    // The create body is three small fields; anything larger is not a client we serve.
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// <c>POST /ln_verification</c> (rate-limit policy <c>ln-create</c>), <c>GET /ln_verification/{id}</c>
    /// and <c>GET /ln_verification/{id}/await</c> (policy <c>ln-read</c>). Needs
    /// <c>AddLightningVerification</c>; when Lightning is disabled every route answers 404
    /// <c>lightning-disabled</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapLightningVerification(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ln_verification").WithTags("Lightning verification");
        group.MapPost("/", CreateAsync).RequireRateLimiting("ln-create")
            .WithName("CreateLightningVerification").WithSummary("Creates a Lightning invoice whose payment earns a signup permit; the body is optional.")
            .DescribesOptionalJsonBody<LightningCreateRequest>()
            .Produces<LightningCreatedResponse>()
            .ProducesHomegateProblems(400, 404, 415, 429, 502);
        group.MapGet("/{verificationId}", GetAsync).RequireRateLimiting("ln-read")
            .WithName("GetLightningVerification").WithSummary("The verification's state; signupToken appears once the invoice is paid.")
            .Produces<LightningVerificationResponse>()
            .ProducesHomegateProblems(400, 404, 429);
        group.MapGet("/{verificationId}/await", AwaitAsync).RequireRateLimiting("ln-read")
            .WithName("AwaitLightningVerification").WithSummary("Like GET /ln_verification/{verificationId}, answering as soon as it is paid or after AwaitTimeoutSeconds.")
            .Produces<LightningVerificationResponse>()
            .ProducesHomegateProblems(400, 404, 429);
        return app;
    }

    internal static async Task<IResult> CreateAsync(HttpRequest request, LightningVerificationService service)
    {
        if (!service.Enabled)
        {
            return Disabled();
        }

        // The body is optional, but a body declared as something else than JSON is not ours to guess at.
        if (request.ContentType is { Length: > 0 } type
            && (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media)
                || !media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return HomegateProblem.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                "The body, if any, must be JSON: send Content-Type: application/json.");
        }

        var parsed = await LightningRequestParser.ParseAsync(request, MaxBodyBytes);
        if (parsed.Error is { } error)
        {
            return Problem(error, parsed.Detail);
        }

        var result = await service.CreateAsync(parsed.Request!, request.HttpContext.RequestAborted);
        return result.Value is { } created
            ? TypedResults.Ok(new LightningCreatedResponse(created.Id, created.Invoice, created.AmountSat, Rfc3339.Format(created.ExpiresAt)))
            : Problem(result.Error, result.Detail);
    }

    internal static async Task<IResult> GetAsync(string verificationId, HttpContext context, LightningVerificationService service)
    {
        if (!service.Enabled)
        {
            return Disabled();
        }

        if (!Guid.TryParse(verificationId, out var id))
        {
            return Problem(LightningError.InvalidRequest, "verificationId is not a UUID.");
        }

        return Map(await service.GetAsync(id, context.RequestAborted));
    }

    internal static async Task<IResult> AwaitAsync(string verificationId, HttpContext context, LightningVerificationService service)
    {
        if (!service.Enabled)
        {
            return Disabled();
        }

        if (!Guid.TryParse(verificationId, out var id))
        {
            return Problem(LightningError.InvalidRequest, "verificationId is not a UUID.");
        }

        try
        {
            return Map(await service.AwaitAsync(id, context.RequestAborted));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody reads this answer.
            return TypedResults.Empty;
        }
    }

    private static IResult Map(LightningResult<LightningVerificationView> result)
    {
        if (result.Value is not { } view)
        {
            return Problem(result.Error, result.Detail);
        }

        var response = new LightningVerificationResponse(
            view.Id, view.Status, view.AmountSat, Rfc3339.Format(view.ExpiresAt),
            view.PaidAt is { } paid ? Rfc3339.Format(paid) : null,
            view.Permit?.Token,
            view.SignupCode,
            view.Permit?.Claims.Audience,
            view.Permit is { } permit ? Rfc3339.Format(permit.Claims.Expires) : null);
        return TypedResults.Ok(response);
    }

    private static IResult Disabled()
        => HomegateProblem.Result(StatusCodes.Status404NotFound, "lightning-disabled", "Lightning verification is not enabled on this server.");

    private static IResult Problem(LightningError error, string? detail) => error switch
    {
        LightningError.Disabled => Disabled(),
        LightningError.InvalidAmount => HomegateProblem.Result(StatusCodes.Status400BadRequest, "invalid-amount", "The amount is not allowed.", detail),
        LightningError.NotFound => HomegateProblem.Result(StatusCodes.Status404NotFound, "not-found", "No such verification."),
        LightningError.Unavailable => HomegateProblem.Result(StatusCodes.Status502BadGateway, "lightning-unavailable", "The Lightning node is unavailable.", "The Lightning node did not answer; try again later."),
        _ => HomegateProblem.Result(StatusCodes.Status400BadRequest, "invalid-request", "The request is not valid.", detail),
    };
}

/// <summary>Reads the optional JSON body of <c>POST /ln_verification</c>; unknown members are ignored, an empty body is allowed.</summary>
internal static class LightningRequestParser
{
    internal readonly record struct Parsed(CreateLightningVerification? Request, LightningError? Error, string? Detail);

    public static async Task<Parsed> ParseAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return new(null, LightningError.InvalidRequest, "The body is too large.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        // No cancellation token: a cancelled read leaves Kestrel's body reader mid-read and its
        // draining then logs an error. A client that vanishes ends the read with an exception anyway.
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return new(null, LightningError.InvalidRequest, "The body is too large.");
            }

            buffer.Write(chunk, 0, read);
        }

        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    internal static Parsed Parse(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new(new CreateLightningVerification(null, null, null), null, null);
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return new(null, LightningError.InvalidRequest, "The body is not JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new(null, LightningError.InvalidRequest, "The body must be a JSON object.");
            }

            long? amount = null;
            if (root.TryGetProperty("amountSat", out var a) && a.ValueKind != JsonValueKind.Null)
            {
                if (a.ValueKind != JsonValueKind.Number || !a.TryGetInt64(out var value))
                {
                    return new(null, LightningError.InvalidAmount, "amountSat must be a whole number of satoshis.");
                }

                amount = value;
            }

            string? description = null;
            if (root.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                if (d.ValueKind != JsonValueKind.String)
                {
                    return new(null, LightningError.InvalidRequest, "description must be a string.");
                }

                if (!TryGetString(d, out description))
                {
                    return new(null, LightningError.InvalidRequest, "description is not valid UTF-8.");
                }
            }

            string? pubky = null;
            if (root.TryGetProperty("pubky", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.String)
                {
                    return new(null, LightningError.InvalidRequest, "pubky must be a string.");
                }

                if (!TryGetString(p, out pubky))
                {
                    return new(null, LightningError.InvalidRequest, "pubky is not valid UTF-8.");
                }
            }

            return new(new CreateLightningVerification(amount, description, pubky), null, null);
        }
    }

    // A JSON string may hold bytes that are not UTF-8; GetString then throws instead of answering.
    private static bool TryGetString(JsonElement element, out string? value)
    {
        try
        {
            value = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }
}
