using System.Text.Json.Serialization;

namespace Homegate.Gateway.Lightning;

/// <summary>Answer of <c>POST /ln_verification</c> (API.md §5).</summary>
internal sealed record LightningCreatedResponse(
    [property: JsonPropertyName("verificationId")] Guid VerificationId,
    [property: JsonPropertyName("invoice")] string Invoice,
    [property: JsonPropertyName("amountSat")] long AmountSat,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

/// <summary>Answer of <c>GET /ln_verification/{id}</c> and <c>/await</c> (API.md §5).</summary>
internal sealed record LightningVerificationResponse(
    [property: JsonPropertyName("verificationId")] Guid VerificationId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("amountSat")] long AmountSat,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("paidAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? PaidAt,
    [property: JsonPropertyName("signupToken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SignupToken,
    [property: JsonPropertyName("signupTokenExpiresAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? SignupTokenExpiresAt);
