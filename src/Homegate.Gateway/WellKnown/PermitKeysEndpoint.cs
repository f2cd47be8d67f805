using System.Text.Json.Serialization;
using Homegate.Verification.Permits;

namespace Homegate.Gateway.WellKnown;

/// <summary><c>GET /.well-known/homegate/permit-keys</c>: the public keys that verify permits.</summary>
internal static class PermitKeysEndpoint
{
    public static IEndpointRouteBuilder MapPermitKeys(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/.well-known/homegate/permit-keys", (PermitKeyRing ring, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Ok(new PermitKeySet(ring.All.Select(k => new PermitKeyEntry(k.Kid, k.Paserk)).ToList()));
        }).WithName("GetPermitKeys").WithTags("Permits")
            .WithSummary("The k4.public keys (PASERK) that verify homegate's signup permits.")
            .Produces<PermitKeySet>();
        return endpoints;
    }
}

internal sealed record PermitKeySet([property: JsonPropertyName("keys")] IReadOnlyList<PermitKeyEntry> Keys);

internal sealed record PermitKeyEntry(
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("paserk")] string Paserk);
