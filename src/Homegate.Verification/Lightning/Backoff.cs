namespace Homegate.Verification.Lightning;

/// <summary>Exponential backoff with "equal jitter": attempt n waits between half and all of min·2ⁿ, capped at max.</summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max)
    {
        var exponent = Math.Min(attempt, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (Random.Shared.NextDouble() * half));
    }
}
