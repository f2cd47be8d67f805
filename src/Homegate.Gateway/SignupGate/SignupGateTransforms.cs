using System.Net.Sockets;
using Homegate.Gateway.Problems;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// The gate's part in every proxied request, added after the route's own transforms so it sees the
/// final outgoing request: the permit never leaves homegate (header removed, <c>signup_token</c>
/// replaced by the minted homeserver token or dropped), and a request that a route rewrote into a
/// signup path without passing the gate is stopped here. The response transform settles the reservation
/// (redeem or release) before YARP copies the answer to the client: by the time a client can read the
/// homeserver's refusal, a retry with the same permit is already possible.
/// </summary>
internal sealed class SignupGateTransforms : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(OnRequestAsync);
        context.AddResponseTransform(OnResponseAsync);
    }

    private static ValueTask OnRequestAsync(RequestTransformContext transform)
    {
        transform.ProxyRequest.Headers.Remove(SignupGateMiddleware.PermitHeader);

        // Like Forwarded (removed by YARP's X-Forwarded defaults): a client-chosen address must not reach the homeserver.
        transform.ProxyRequest.Headers.Remove("X-Real-IP");
        var rawPath = RawPathToKeep(transform);

        // The gate sets its features only on a request whose own path is a signup (UseSignupGate); any
        // other request (all plain pass-through) skips both lookups.
        var gated = SignupPaths.Classify(transform.HttpContext) != SignupEndpoint.None;
        if (gated && transform.HttpContext.Features.Get<Codes.ForeignCodeFeature>() is { } foreign)
        {
            // Homegate:Gate:ForwardHomeserverCodes: a code homegate did not issue goes to the homeserver as sent.
            RemoveQueryKey(transform.Query, SignupGateMiddleware.PermitQuery);
            transform.Query.Collection[SignupGateMiddleware.PermitQuery] = foreign.Code;
            KeepRawPath(transform, rawPath);
            return ValueTask.CompletedTask;
        }

        var feature = gated ? transform.HttpContext.Features.Get<SignupGateFeature>() : null;
        if (feature is null)
        {
            var signupPath = SignupPaths.Classify(transform.Path.Value) != SignupEndpoint.None
                || (transform.Path != transform.HttpContext.Request.Path && SignupPaths.Classify(transform.HttpContext.Request.Path.Value) != SignupEndpoint.None)
                || (rawPath is not null && SignupPaths.Classify(rawPath) != SignupEndpoint.None);
            if (signupPath)
            {
                // Preflights (and anything else ungated) on a signup path: the permit never travels upstream.
                RemoveQueryKey(transform.Query, SignupGateMiddleware.PermitQuery);
            }

            if (signupPath && !HttpMethods.IsOptions(transform.HttpContext.Request.Method))
            {
                // A route transform turned some other path into a signup path: it did not pass the gate.
                return new ValueTask(HomegateProblem.WriteAsync(transform.HttpContext, StatusCodes.Status403Forbidden,
                    "permit-invalid", "Signup not admitted",
                    "This route rewrites requests into a signup; send signups to /signup or /auth/grant/signup."));
            }

            KeepRawPath(transform, rawPath);
            return ValueTask.CompletedTask;
        }

        feature.DestinationPrefix = transform.DestinationPrefix;
        RemoveQueryKey(transform.Query, SignupGateMiddleware.PermitQuery);
        if (feature.HomeserverToken is { } token)
        {
            transform.Query.Collection[SignupGateMiddleware.PermitQuery] = token;
        }

        KeepRawPath(transform, rawPath);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The path exactly as the client sent it, when the default rebuild would change it. ASP.NET Core
    /// decodes the path except <c>%2F</c>, so <c>%2F</c> and <c>%252F</c> both arrive as the text
    /// <c>%2F</c> and YARP re-escapes it to <c>%252F</c>. Only for a path the route did not rewrite and
    /// that holds a <c>%</c> after decoding; everything else keeps YARP's own encoding.
    /// </summary>
    private static string? RawPathToKeep(RequestTransformContext transform)
    {
        var request = transform.HttpContext.Request;
        if (request.PathBase.HasValue || transform.Path != request.Path || request.Path.Value?.Contains('%', StringComparison.Ordinal) != true)
        {
            return null;
        }

        var raw = transform.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith('/'))
        {
            return null;
        }

        var end = raw.IndexOf('?', StringComparison.Ordinal);
        return end < 0 ? raw : raw[..end];
    }

    private static void KeepRawPath(RequestTransformContext transform, string? rawPath)
    {
        if (rawPath is null)
        {
            return;
        }

        var prefix = transform.DestinationPrefix.EndsWith('/') ? transform.DestinationPrefix[..^1] : transform.DestinationPrefix;
        transform.ProxyRequest.RequestUri = new Uri(prefix + rawPath + transform.Query.QueryString.ToUriComponent(), UriKind.Absolute);
    }

    private static void RemoveQueryKey(QueryTransformContext query, string key)
    {
        foreach (var existing in query.Collection.Keys.Where(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            query.Collection.Remove(existing);
        }
    }

    private static ValueTask OnResponseAsync(ResponseTransformContext transform)
        => SignupPaths.Classify(transform.HttpContext) == SignupEndpoint.None
            ? ValueTask.CompletedTask // the gate never ran: no feature to settle (see OnRequestAsync)
            : SettleAsync(transform);

    private static async ValueTask SettleAsync(ResponseTransformContext transform)
    {
        if (transform.HttpContext.Features.Get<SignupGateFeature>() is not { } feature)
        {
            if (transform.HttpContext.Features.Get<Codes.ForeignCodeFeature>() is { } foreign)
            {
                foreign.UpstreamStatus = transform.ProxyResponse is { } answer ? (int)answer.StatusCode : null;
            }

            return;
        }

        if (transform.ProxyResponse is { } response)
        {
            feature.UpstreamStatus = (int)response.StatusCode;
            await feature.SettleOnceAsync(UpstreamOutcome.Answered);
            return;
        }

        await feature.SettleOnceAsync(NeverSent(transform.HttpContext.GetForwarderErrorFeature()) ? UpstreamOutcome.NotSent : UpstreamOutcome.Unknown);
    }

    /// <summary>Whether a failed forward certainly never reached the homeserver: the request was never
    /// built, or no connection could be opened. Anything else (reset, timeout, cancel) may have.</summary>
    internal static bool NeverSent(IForwarderErrorFeature? error)
    {
        if (error is null)
        {
            return false;
        }

        if (error.Error == ForwarderError.RequestCreation)
        {
            return true;
        }

        if (error.Error != ForwarderError.Request)
        {
            return false;
        }

        for (var e = error.Exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError })
            {
                return true;
            }

            if (e is System.Net.Sockets.SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound
                    or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable })
            {
                // Connect failed; a reset of a connection that carried the request is ConnectionReset, not these.
                return true;
            }
        }

        return false;
    }
}
