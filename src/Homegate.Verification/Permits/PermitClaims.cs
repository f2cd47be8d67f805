using System.Text.Json.Serialization;

namespace Homegate.Verification.Permits;

/// <summary>The claims of a signup permit (API.md §3). Times are UTC with second precision.</summary>
public sealed record PermitClaims(
    [property: JsonPropertyName("iss")] string Issuer,
    [property: JsonPropertyName("aud")] string Audience,
    [property: JsonPropertyName("jti")] string Jti,
    [property: JsonPropertyName("iat"), JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset IssuedAt,
    [property: JsonPropertyName("nbf"), JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset NotBefore,
    [property: JsonPropertyName("exp"), JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset Expires,
    [property: JsonPropertyName("mth")] string Method,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subject);

/// <summary>The verification methods that earn a permit (the <c>mth</c> claim).</summary>
public static class PermitMethods
{
    public const string Sms = "sms";
    public const string Lightning = "lightning";
    public const string Invite = "invite";

    public static bool IsKnown(string? method) => method is Sms or Lightning or Invite;

    internal static string? FromUtf8(ReadOnlySpan<byte> value) =>
        value.SequenceEqual("sms"u8) ? Sms
        : value.SequenceEqual("lightning"u8) ? Lightning
        : value.SequenceEqual("invite"u8) ? Invite
        : null;
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(PermitClaims))]
internal sealed partial class PermitJsonContext : JsonSerializerContext;
