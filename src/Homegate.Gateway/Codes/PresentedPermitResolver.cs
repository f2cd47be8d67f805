using Homegate.Gateway.Problems;
using Homegate.Gateway.SignupGate;
using Homegate.Verification.Observability;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Codes;

/// <summary>What the gate makes of the value a signup presented.</summary>
/// <param name="Check">The verdict, with the verification's claims (for a code: looked up by its hash).</param>
/// <param name="Answered">A response was already written (429 code-guess, 503): stop.</param>
/// <param name="Foreign">A code-shaped value homegate did not issue, to be forwarded unchanged
/// (<c>Homegate:Gate:ForwardHomeserverCodes</c>).</param>
internal readonly record struct PresentedPermit(PermitCheck Check, bool Answered = false, bool Foreign = false);

/// <summary>Marks a signup that presented a signup code rather than a permit (metrics).</summary>
internal sealed class SignupCodePresented
{
    public static readonly SignupCodePresented Instance = new();
}

/// <summary>A code-shaped value homegate did not issue, forwarded unchanged for the homeserver to judge.</summary>
internal sealed class ForeignCodeFeature(string code)
{
    public string Code { get; } = code;

    public int? UpstreamStatus { get; set; }
}

/// <summary>
/// Where the presented value becomes verified claims: a permit goes to <see cref="PermitVerifier"/>; a value
/// in code shape (trimmed, any case) is looked up by its keyed hash, under the <c>code-guess</c> policy.
/// Either way the gate then applies the same subject, reservation and redemption rules to the claims,
/// so a code and its permit share one single-use row (the jti).
/// </summary>
internal sealed partial class PresentedPermitResolver(
    PermitVerifier permits,
    SignupCodeVerifier codes,
    CodeGuessLimiter guesses,
    IOptionsMonitor<GateOptions> gate,
    ILogger<PresentedPermitResolver> logger,
    HomegateMetrics? metrics = null)
{
    public async Task<PresentedPermit> ResolveAsync(HttpContext context, string presented)
    {
        if (!SignupCodes.HasCodeShape(presented))
        {
            return new PresentedPermit(permits.Verify(presented));
        }

        context.Features.Set(SignupCodePresented.Instance);
        context.Response.OnCompleted(CountRedeemed, context);
        if (await guesses.RefuseIfExhaustedAsync(context))
        {
            return new PresentedPermit(default, Answered: true);
        }

        PermitCheck? check = null;
        if (SignupCodes.TryCanonicalize(presented, out var canonical))
        {
            try
            {
                check = await codes.VerifyAsync(canonical, context.RequestAborted);
            }
            catch (Exception e) when (SignupGateMiddleware.IsStorageFailure(e) || e is InvalidOperationException)
            {
                // A database outage, or a pepper file that does not match the database: fail closed.
                LogLookupFailed(e);
                await HomegateProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage unavailable",
                    "The signup code cannot be checked right now; try again shortly.", TimeSpan.FromSeconds(5));
                return new PresentedPermit(default, Answered: true);
            }
        }

        if (check is { } known)
        {
            return new PresentedPermit(known);
        }

        if (gate.CurrentValue.ForwardHomeserverCodes)
        {
            return new PresentedPermit(new PermitCheck(PermitFailure.None, null), Foreign: true);
        }

        guesses.CountUnknown(context);
        return new PresentedPermit(new PermitCheck(PermitFailure.Invalid, null));
    }

    /// <summary>After a foreign code was forwarded: a refusal by the homeserver counts as a guess.</summary>
    public void Forwarded(HttpContext context, ForeignCodeFeature foreign)
    {
        if (foreign.UpstreamStatus is not (>= 200 and < 300))
        {
            guesses.CountUnknown(context);
        }
    }

    /// <summary>A signup the gate admitted with a code and the homeserver accepted: the code was redeemed.</summary>
    private Task CountRedeemed(object state)
    {
        var context = (HttpContext)state;
        if (context.Features.Get<SignupGateFeature>() is not null && context.Response.StatusCode is >= 200 and < 300)
        {
            metrics?.SignupCodeRedeemed();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Error, Message = "Signup code lookup failed")]
    private partial void LogLookupFailed(Exception e);
}
