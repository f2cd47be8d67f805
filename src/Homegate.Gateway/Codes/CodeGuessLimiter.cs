using System.Threading.RateLimiting;
using Homegate.Gateway.Problems;
using Homegate.Gateway.RateLimiting;
using Homegate.Verification.Observability;

namespace Homegate.Gateway.Codes;

/// <summary>
/// The <c>code-guess</c> policy: per client address, only requests that present an unknown signup code
/// use up the window (default 10 per 10 minutes). Once it is used up, every code from that address is
/// refused with 429, valid or not, so guessing a 60-bit code is hopeless.
/// </summary>
internal sealed class CodeGuessLimiter(RateLimitPolicies policies, HomegateMetrics? metrics = null) : IDisposable
{
    public const string Policy = "code-guess";

    private readonly PartitionedRateLimiter<HttpContext> _limiter = PartitionedRateLimiter.Create<HttpContext, Key>(context =>
    {
        var settings = policies.Get(Policy);
        var key = new Key(RateLimitingFeature.ClientKey(context.Connection.RemoteIpAddress), settings.PermitLimit, settings.Window);
        return RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
        {
            PermitLimit = k.PermitLimit,
            Window = k.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    });

    /// <summary>Answers 429 and returns true when this address has used up its unknown codes.</summary>
    public async Task<bool> RefuseIfExhaustedAsync(HttpContext context)
    {
        using var lease = _limiter.AttemptAcquire(context, 0);
        if (lease.IsAcquired)
        {
            return false;
        }

        metrics?.CodeGuessRejected();
        metrics?.RateLimitRejected(Policy);
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        await HomegateProblem.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            "Too many unknown signup codes from this address; retry later.", retryAfter);
        return true;
    }

    /// <summary>Counts one unknown code against this address.</summary>
    public void CountUnknown(HttpContext context)
    {
        using var _ = _limiter.AttemptAcquire(context, 1);
    }

    public void Dispose() => _limiter.Dispose();

    private readonly record struct Key(string Client, int PermitLimit, TimeSpan Window);
}
