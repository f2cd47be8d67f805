using System.Text.Json.Serialization;

namespace Homegate.Gateway.Lightning;

/// <summary>Answer of <c>POST /ln_verification</c> (API.md §5). Times are RFC 3339 UTC, whole seconds, like permit claims.</summary>
internal sealed record LightningCreatedResponse(
    [property: JsonPropertyName("verificationId")] Guid VerificationId,
    [property: JsonPropertyName("invoice")] string Invoice,
    [property: JsonPropertyName("amountSat")] long AmountSat,
    [property: JsonPropertyName("expiresAt")] string ExpiresAt);

/// <summary>Answer of <c>GET /ln_verification/{id}</c> and <c>/await</c> (API.md §5).</summary>
internal sealed record LightningVerificationResponse(
    [property: JsonPropertyName("verificationId")] Guid VerificationId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("amountSat")] long AmountSat,
    [property: JsonPropertyName("expiresAt")] string ExpiresAt,
    [property: JsonPropertyName("paidAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PaidAt,
    [property: JsonPropertyName("signupToken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SignupToken,
    [property: JsonPropertyName("signupCode"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SignupCode,
    [property: JsonPropertyName("homeserverPubky"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HomeserverPubky,
    [property: JsonPropertyName("signupTokenExpiresAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SignupTokenExpiresAt);
