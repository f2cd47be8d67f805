namespace Homegate.Verification.Sms;

/// <summary>The weekly and yearly caps on completed verifications per number, over rolling windows.</summary>
internal sealed record SmsLimits(int PerWeek, int PerYear)
{
    public static readonly TimeSpan WeekWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan YearWindow = TimeSpan.FromDays(365);

    /// <param name="recentCompletions">Completions within the year, most recent first, at least max(PerWeek, PerYear) of them when there are that many.</param>
    /// <param name="now">The current time.</param>
    public LimitCheck Check(IReadOnlyList<DateTimeOffset> recentCompletions, DateTimeOffset now)
    {
        var weekStart = now - WeekWindow;
        var inWeek = recentCompletions.Count(t => t > weekStart);
        if (inWeek >= PerWeek)
        {
            // A slot frees when the PerWeek-th most recent completion leaves the window.
            return new LimitCheck(LimitKind.Weekly, recentCompletions[PerWeek - 1] + WeekWindow - now);
        }

        if (recentCompletions.Count >= PerYear)
        {
            return new LimitCheck(LimitKind.Yearly, recentCompletions[PerYear - 1] + YearWindow - now);
        }

        return LimitCheck.Within;
    }
}

internal enum LimitKind
{
    Weekly,
    Yearly,
}

/// <summary>Which limit is reached (null: none) and when the next verification becomes possible.</summary>
internal sealed record LimitCheck(LimitKind? Exceeded, TimeSpan RetryAfter)
{
    public static readonly LimitCheck Within = new(null, TimeSpan.Zero);
}
