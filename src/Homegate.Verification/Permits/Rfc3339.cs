using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Homegate.Verification.Permits;

/// <summary>RFC 3339 date-times: written as UTC with "Z" and whole seconds; read with any offset and optional fraction.</summary>
internal static class Rfc3339
{
    private const int MaxLength = 40;

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c>, with RFC 3339's optional lower-case t and z.
    /// Hand-written: it runs for three claims of every permit checked, and the framework's exact-format parser is slow.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is < 20 or > MaxLength
            || !Digits(text, 0, 4, out var year) || text[4] != '-'
            || !Digits(text, 5, 2, out var month) || text[7] != '-'
            || !Digits(text, 8, 2, out var day) || text[10] is not ('T' or 't')
            || !Digits(text, 11, 2, out var hour) || text[13] != ':'
            || !Digits(text, 14, 2, out var minute) || text[16] != ':'
            || !Digits(text, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        long fractionTicks = 0;
        if (text[i] == '.')
        {
            var start = ++i;
            var scale = TimeSpan.TicksPerSecond;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                // Digits beyond tick precision (100 ns) are accepted and dropped.
                scale /= 10;
                fractionTicks += (text[i] - '0') * scale;
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        var offsetMinutes = 0;
        var rest = text[i..];
        if (rest is ['Z' or 'z'])
        {
            // UTC
        }
        else if (rest.Length == 6 && rest[0] is '+' or '-' && Digits(rest, 1, 2, out var oh) && rest[3] == ':' && Digits(rest, 4, 2, out var om)
            && oh < 24 && om < 60)
        {
            offsetMinutes = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fractionTicks;
        var utc = local - offsetMinutes * TimeSpan.TicksPerMinute;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(utc, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            value = value * 10 + (text[i] - '0');
        }

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
