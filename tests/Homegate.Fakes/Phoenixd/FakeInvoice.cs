namespace Homegate.Fakes.Phoenixd;

/// <summary>An invoice the fake PhoenixD issued; mutated only under its own lock.</summary>
public sealed class FakeInvoice
{
    internal FakeInvoice(string paymentHash, string preimage, string serialized, long amountSat, string? description, string? externalId, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        PaymentHash = paymentHash;
        Preimage = preimage;
        Serialized = serialized;
        AmountSat = amountSat;
        Description = description;
        ExternalId = externalId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public string PaymentHash { get; }

    public string Preimage { get; }

    public string Serialized { get; }

    public long AmountSat { get; }

    public string? Description { get; }

    public string? ExternalId { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; internal set; }

    public bool IsPaid { get; internal set; }

    public DateTimeOffset? PaidAt { get; internal set; }

    /// <summary>How many times a test paid it (a real node would refuse the second payment; the fake counts it to catch double handling).</summary>
    public int PayAttempts { get; internal set; }

    internal object Sync { get; } = new();
}
