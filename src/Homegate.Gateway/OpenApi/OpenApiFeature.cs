using System.Reflection;
using System.Text.Json.Nodes;
using Homegate.Gateway.Lightning;
using Homegate.Gateway.Problems;
using Homegate.Gateway.Sms;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Homegate.Gateway.OpenApi;

/// <summary>
/// The OpenAPI document of homegate's own endpoints at <c>GET /openapi/v1.json</c> (committed as
/// <c>docs/openapi.json</c>). Proxied routes are not in it: YARP endpoints carry no handler metadata,
/// so the API explorer never sees them.
/// </summary>
internal static class OpenApiFeature
{
    public const string DocumentName = "v1";
    public const string Path = "/openapi/{documentName}.json";

    /// <summary>The version written into the document: the assembly's, without the commit suffix the
    /// SDK appends (that would make the committed document drift on every commit).</summary>
    public static string Version { get; } = ReadVersion();

    public static IServiceCollection AddHomegateOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.CreateSchemaReferenceId = type => type.Type == typeof(ProblemBody)
                ? "Problem"
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Homegate",
                    Version = Version,
                    Description = "Homegate's own endpoints: SMS and Lightning verifications that earn a signup permit, " +
                        "the permit verification keys and health. Every other request is proxied to the homeserver " +
                        "and is not described here. Errors are application/problem+json with the extensions code and traceId.",
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                Describe(schema, context.JsonTypeInfo.Type);
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Maps the document endpoint; it ranks above the proxy's catch-all like every own endpoint.</summary>
    public static IEndpointRouteBuilder MapHomegateOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi(Path);
        return endpoints;
    }

    private const string E164 = @"^\+[1-9]\d{1,14}$";

    // Positional records make every member look required, and the request records are nullable so the
    // handlers can answer a missing member with their own problem: state the contract (API.md §4, §5).
    private static void Describe(OpenApiSchema schema, Type type)
    {
        StrictNumbers(schema);
        if (type == typeof(SendCodeRequest))
        {
            Require(schema, "phoneNumber");
            Pattern(schema, "phoneNumber", E164);
        }
        else if (type == typeof(VerifyCodeRequest))
        {
            Require(schema, "phoneNumber", "code");
            Pattern(schema, "phoneNumber", E164);
        }
        else if (type == typeof(LightningCreateRequest))
        {
            Require(schema);
        }
        else if (type == typeof(SendCodeResponse))
        {
            Enumerate(schema, "status", "pending");
        }
        else if (type == typeof(StatusResponse))
        {
            Require(schema, "status");
            Enumerate(schema, "status", "verified", "pending");
        }
        else if (type == typeof(LightningVerificationResponse))
        {
            Require(schema, "verificationId", "status", "amountSat", "expiresAt");
            Enumerate(schema, "status", "pending", "paid", "expired", "failed");
        }
        else if (type == typeof(ProblemBody))
        {
            schema.Description = "RFC 9457 problem details; type is urn:homegate:problem:<code>.";
        }
    }

    // The web defaults read numbers from strings too; homegate's own parsers do not, and it writes numbers.
    private static void StrictNumbers(OpenApiSchema schema)
    {
        if (schema.Type is { } kind && (kind & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (kind & JsonSchemaType.String) != 0)
        {
            schema.Type = kind & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    private static void Require(OpenApiSchema schema, params string[] names)
        => schema.Required = names.Length == 0 ? null : new HashSet<string>(names, StringComparer.Ordinal);

    private static void Pattern(OpenApiSchema schema, string property, string pattern)
    {
        if (schema.Properties?.TryGetValue(property, out var member) == true && member is OpenApiSchema target)
        {
            target.Pattern = pattern;
        }
    }

    private static void Enumerate(OpenApiSchema schema, string property, params string[] values)
    {
        if (schema.Properties?.TryGetValue(property, out var member) == true && member is OpenApiSchema target)
        {
            target.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        }
    }

    private static string ReadVersion()
    {
        var assembly = typeof(OpenApiFeature).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }

        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
