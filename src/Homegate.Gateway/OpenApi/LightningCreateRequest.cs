using System.Text.Json.Serialization;

namespace Homegate.Gateway.OpenApi;

/// <summary>Optional body of POST /ln_verification: every member may be omitted, unknown members are ignored.</summary>
// The handler parses the body by hand; this record only describes it in the OpenAPI document.
internal sealed record LightningCreateRequest(
    [property: JsonPropertyName("amountSat")] long? AmountSat,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("pubky")] string? Pubky);
