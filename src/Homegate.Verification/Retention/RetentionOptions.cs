namespace Homegate.Verification.Retention;

/// <summary>What the retention job deletes and how often: configuration section <c>Homegate:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Homegate:Retention";

    /// <summary>Whether the job runs. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between passes (one instance at a time runs a pass). Default 01:00:00.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Released (and abandoned reserved) permit ids are kept this long after their permit expired; after
    /// that the permit cannot be presented anyway. Default 1.00:00:00 (one day, a margin for clock skew).
    /// </summary>
    public TimeSpan UnusedPermitGrace { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Redeemed permit ids are kept at least this long after redemption (and always while a permit with
    /// the same jti could still be valid). Default 365.00:00:00.
    /// </summary>
    public TimeSpan RedeemedRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Expired, failed or never-settled Lightning verifications are kept this long after the invoice expired. Default 7.00:00:00.</summary>
    public TimeSpan AbandonedLightningRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Paid Lightning verifications are kept this long after payment. Default 365.00:00:00.</summary>
    public TimeSpan PaidLightningRetention { get; set; } = TimeSpan.FromDays(365);

    internal IEnumerable<string> Validate()
    {
        if (Interval <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:Interval must be positive.";
        }

        if (UnusedPermitGrace < TimeSpan.Zero)
        {
            yield return $"{SectionName}:UnusedPermitGrace must not be negative.";
        }

        // The Lightning reconciler still settles invoices up to a day after expiry.
        if (AbandonedLightningRetention < TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:AbandonedLightningRetention must be at least 1.00:00:00.";
        }

        if (RedeemedRetention <= TimeSpan.Zero || PaidLightningRetention <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:RedeemedRetention and PaidLightningRetention must be positive.";
        }
    }
}
