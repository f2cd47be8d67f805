using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Homegate.Gateway.OpenApi;

internal static class OptionalBodyMetadata
{
    /// <summary>
    /// Documents an optional JSON body for a handler that parses the body itself. <c>Accepts</c> would
    /// do it too, but it also adds a content-type constraint to routing, which turns a POST without a
    /// body (allowed by API.md §5) into a 405.
    /// </summary>
    public static RouteHandlerBuilder DescribesOptionalJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = false,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
