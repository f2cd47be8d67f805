using System.Text.Json;
using System.Text.Json.Serialization;
using Homegate.Verification.Permits;

namespace Homegate.Gateway.Hosting;

/// <summary>Times in homegate's JSON answers look like permit claims: UTC, "Z", whole seconds.</summary>
internal sealed class Rfc3339JsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Rfc3339.Format(value));
}
