using System.Text.Json.Serialization;
using Homegate.Gateway.OpenApi;
using Homegate.Gateway.Problems;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;

namespace Homegate.Gateway.Codes;

/// <summary>
/// <c>GET /invite/{code}/status</c>: how a signup code stands, for the invitation page. It never consumes
/// the code. An unknown or malformed code is 404 <c>code-not-found</c> and counts against <c>code-guess</c>,
/// like a signup presenting it would.
/// </summary>
internal static class InviteStatusEndpoint
{
    public static IEndpointRouteBuilder MapInviteStatus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/invite/{code}/status", GetAsync).RequireRateLimiting("page")
            .WithName("GetSignupCodeStatus").WithTags("Signup codes")
            .WithSummary("Whether a signup code is unused, used or expired, and for which homeserver. Does not consume it.")
            .Produces<SignupCodeStatus>()
            .ProducesHomegateProblems(404, 429, 503);
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string code, HttpContext context, SignupCodeVerifier codes, CodeGuessLimiter guesses, TimeProvider time)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (await guesses.RefuseIfExhaustedAsync(context))
        {
            return TypedResults.Empty;
        }

        var state = SignupCodes.TryCanonicalize(code, out var canonical)
            ? await codes.GetStateAsync(canonical, context.RequestAborted)
            : null;
        if (state is null)
        {
            guesses.CountUnknown(context);
            return HomegateProblem.Result(StatusCodes.Status404NotFound, "code-not-found", "Signup code not found",
                "No signup code like this was issued here; check the spelling.");
        }

        var now = time.GetUtcNow();
        var inUse = state.RedemptionState == "redeemed"
            || (state.RedemptionState == "reserved" && state.LeaseExpiresAt > now);
        var answer = inUse ? "used"
            : now > state.ExpiresAt + PermitVerifier.Skew ? "expired"
            : "unused";
        return TypedResults.Ok(new SignupCodeStatus(answer, state.Audience, Rfc3339.Format(state.ExpiresAt), state.Method));
    }
}

/// <summary>Answer of <c>GET /invite/{code}/status</c>.</summary>
internal sealed record SignupCodeStatus(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("homeserverPubky")] string HomeserverPubky,
    [property: JsonPropertyName("expiresAt")] string ExpiresAt,
    [property: JsonPropertyName("method")] string Method);
