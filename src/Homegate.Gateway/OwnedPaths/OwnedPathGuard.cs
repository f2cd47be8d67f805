using Homegate.Gateway.Problems;
using Homegate.Gateway.SignupGate;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Homegate.Gateway.OwnedPaths;

/// <summary>
/// Answers requests under an owned prefix that routing handed to the proxy (or to nothing). Which
/// answer: 405 when one of homegate's endpoints has this path but another method (with
/// <c>Allow</c>), 415 when it has the path and method but wants another content type, else 404.
/// </summary>
internal sealed class OwnedPathGuard(IOptions<OwnedPathOptions> options, EndpointDataSource endpoints)
{
    private readonly Lazy<IReadOnlyList<OwnEndpoint>> _own = new(() => Collect(endpoints));
    private readonly OwnedPrefixSet _prefixes = new(options.Value.Prefixes);

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && endpoint.Metadata.GetMetadata<RouteModel>() is null)
        {
            return next(context); // one of homegate's own endpoints took it
        }

        var raw = context.Request.Path.Value ?? "/";
        if (!_prefixes.IsOwned(raw))
        {
            return next(context);
        }

        // Everything the client sent stays here; the body is never read.
        return Refuse(context, SignupPaths.Normalise(raw));
    }

    /// <summary>The 404 of an unknown homegate route; also what a switched-off endpoint answers.</summary>
    public static IResult NotFound()
        => HomegateProblem.Result(StatusCodes.Status404NotFound, "not-found", "Not found", "Homegate serves nothing at this path.");

    private Task Refuse(HttpContext context, string path)
    {
        var method = context.Request.Method;
        var matching = _own.Value.Where(e => e.Matches(path)).ToList();
        if (matching.Count == 0)
        {
            return NotFound().ExecuteAsync(context);
        }

        var allowing = matching.Where(e => e.Methods is null || e.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)).ToList();
        if (allowing.Count == 0)
        {
            var allowed = matching.SelectMany(e => e.Methods ?? []).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);
            var allow = string.Join(", ", allowed);

            // HomegateProblem clears the response before writing, so the header goes on at start.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.Allow = allow;
                return Task.CompletedTask;
            });
            return HomegateProblem.Result(StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "Method not allowed",
                "This homegate endpoint does not accept this method; see the Allow header.").ExecuteAsync(context);
        }

        if (allowing.Any(e => e.ContentTypes is { Count: > 0 } types && !Accepts(types, context.Request.ContentType)))
        {
            return HomegateProblem.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                "This endpoint takes a JSON body: send Content-Type: application/json.").ExecuteAsync(context);
        }

        return NotFound().ExecuteAsync(context);
    }

    private static bool Accepts(IReadOnlyList<string> types, string? contentType)
        => contentType is not null
           && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
           && types.Any(t => string.Equals(t, parsed.MediaType.Value, StringComparison.OrdinalIgnoreCase));

    private static List<OwnEndpoint> Collect(EndpointDataSource source)
        => source.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RouteModel>() is null && e.RoutePattern.RawText is not null)
            .Select(e => new OwnEndpoint(
                new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')), new RouteValueDictionary()),
                e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods,
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes))
            .ToList();

    private sealed record OwnEndpoint(TemplateMatcher Matcher, IReadOnlyList<string>? Methods, IReadOnlyList<string>? ContentTypes)
    {
        public bool Matches(string path) => Matcher.TryMatch(path, new RouteValueDictionary());
    }
}
