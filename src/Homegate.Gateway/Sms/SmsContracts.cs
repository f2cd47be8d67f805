using System.Text.Json.Serialization;

namespace Homegate.Gateway.Sms;

internal sealed record SendCodeRequest(
    [property: JsonPropertyName("phoneNumber")] string? PhoneNumber,
    [property: JsonPropertyName("pubky")] string? Pubky,
    [property: JsonPropertyName("dispatchId")] string? DispatchId);

internal sealed record VerifyCodeRequest(
    [property: JsonPropertyName("phoneNumber")] string? PhoneNumber,
    [property: JsonPropertyName("code")] string? Code);

internal sealed record SendCodeResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("sessionReused")] bool SessionReused);

internal sealed record VerifyCodeResponse(
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("signupToken")] string SignupToken,
    [property: JsonPropertyName("signupCode")] string SignupCode,
    [property: JsonPropertyName("homeserverPubky")] string HomeserverPubky,
    [property: JsonPropertyName("expiresAt")] string ExpiresAt);

internal sealed record StatusResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("verifiedAt")] string? VerifiedAt);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(SendCodeRequest))]
[JsonSerializable(typeof(VerifyCodeRequest))]
[JsonSerializable(typeof(SendCodeResponse))]
[JsonSerializable(typeof(VerifyCodeResponse))]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class SmsJsonContext : JsonSerializerContext;
