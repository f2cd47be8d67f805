using System.Text.Json.Serialization;

namespace Homegate.Verification.Lightning;

/// <summary>Answer of <c>POST /createinvoice</c>.</summary>
internal sealed record PhoenixdInvoice(
    [property: JsonPropertyName("amountSat")] long AmountSat,
    [property: JsonPropertyName("paymentHash")] string PaymentHash,
    [property: JsonPropertyName("serialized")] string Serialized);

/// <summary>An incoming payment (invoice) as PhoenixD reports it; times are epoch milliseconds.</summary>
internal sealed record PhoenixdIncomingPayment(
    [property: JsonPropertyName("paymentHash")] string PaymentHash,
    [property: JsonPropertyName("isPaid")] bool IsPaid,
    [property: JsonPropertyName("isExpired")] bool IsExpired,
    [property: JsonPropertyName("requestedSat")] long? RequestedSat,
    [property: JsonPropertyName("receivedSat")] long ReceivedSat,
    [property: JsonPropertyName("createdAt")] long CreatedAt,
    [property: JsonPropertyName("completedAt")] long? CompletedAt,
    [property: JsonPropertyName("expiresAt")] long? ExpiresAt,
    [property: JsonPropertyName("externalId")] string? ExternalId);

/// <summary>A WebSocket event; only <c>payment_received</c> matters.</summary>
internal sealed record PhoenixdEvent(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("paymentHash")] string? PaymentHash,
    [property: JsonPropertyName("amountSat")] long? AmountSat,
    [property: JsonPropertyName("timestamp")] long? Timestamp,
    [property: JsonPropertyName("externalId")] string? ExternalId);

[JsonSerializable(typeof(PhoenixdInvoice))]
[JsonSerializable(typeof(PhoenixdIncomingPayment))]
[JsonSerializable(typeof(List<PhoenixdIncomingPayment>))]
[JsonSerializable(typeof(PhoenixdEvent))]
internal sealed partial class PhoenixdJsonContext : JsonSerializerContext;

/// <summary>PhoenixD could not be reached, timed out, refused our password or answered nonsense.</summary>
internal sealed class PhoenixdUnavailableException : Exception
{
    public PhoenixdUnavailableException()
    {
    }

    public PhoenixdUnavailableException(string message)
        : base(message)
    {
    }

    public PhoenixdUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
