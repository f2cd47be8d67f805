using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Homegate.Verification.Permits;

/// <summary>RFC 3339 date-times: written as UTC with "Z" and whole seconds; read with any offset and optional fraction.</summary>
internal static class Rfc3339
{
    private const int MaxLength = 40;

    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is < 20 or > MaxLength)
        {
            return false;
        }

        if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        value = parsed.ToUniversalTime();
        return true;
    }

    /// <summary>Parses a JSON string token without allocating.</summary>
    public static bool TryParse(ref Utf8JsonReader reader, out DateTimeOffset value)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength * 6)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxLength * 6];
        var length = reader.CopyString(chars);
        return TryParse(chars[..length], out value);
    }
}

internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339.TryParse(ref reader, out var value) ? value : throw new JsonException("Expected an RFC 3339 date-time string.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Rfc3339.Format(value));
    }
}
