using Homegate.Gateway.Problems;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// The gate's part in every proxied request, added after the route's own transforms so it sees the
/// final outgoing request: the permit never leaves homegate (header removed, <c>signup_token</c>
/// replaced by the minted homeserver token or dropped), and a request that a route rewrote into a
/// signup path without passing the gate is stopped here. The response transform records the
/// homeserver's status, which decides redeem or release.
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
        context.AddResponseTransform(OnResponse);
    }

    private static ValueTask OnRequestAsync(RequestTransformContext transform)
    {
        transform.ProxyRequest.Headers.Remove(SignupGateMiddleware.PermitHeader);
        if (transform.HttpContext.Features.Get<Codes.ForeignCodeFeature>() is { } foreign)
        {
            // Homegate:Gate:ForwardHomeserverCodes: a code homegate did not issue goes to the homeserver as sent.
            RemoveQueryKey(transform.Query, SignupGateMiddleware.PermitQuery);
            transform.Query.Collection[SignupGateMiddleware.PermitQuery] = foreign.Code;
            return ValueTask.CompletedTask;
        }

        var feature = transform.HttpContext.Features.Get<SignupGateFeature>();
        if (feature is null)
        {
            if (SignupPaths.Classify(transform.Path.Value) != SignupEndpoint.None
                && !HttpMethods.IsOptions(transform.HttpContext.Request.Method))
            {
                // A route transform turned some other path into a signup path: it did not pass the gate.
                return new ValueTask(HomegateProblem.WriteAsync(transform.HttpContext, StatusCodes.Status403Forbidden,
                    "permit-invalid", "Signup not admitted",
                    "This route rewrites requests into a signup; send signups to /signup or /auth/grant/signup."));
            }

            return ValueTask.CompletedTask;
        }

        RemoveQueryKey(transform.Query, SignupGateMiddleware.PermitQuery);
        if (feature.HomeserverToken is { } token)
        {
            transform.Query.Collection[SignupGateMiddleware.PermitQuery] = token;
        }

        return ValueTask.CompletedTask;
    }

    private static void RemoveQueryKey(QueryTransformContext query, string key)
    {
        foreach (var existing in query.Collection.Keys.Where(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            query.Collection.Remove(existing);
        }
    }

    private static ValueTask OnResponse(ResponseTransformContext transform)
    {
        if (transform.HttpContext.Features.Get<SignupGateFeature>() is { } feature)
        {
            feature.UpstreamStatus = transform.ProxyResponse is { } response ? (int)response.StatusCode : null;
        }
        else if (transform.HttpContext.Features.Get<Codes.ForeignCodeFeature>() is { } foreign)
        {
            foreign.UpstreamStatus = transform.ProxyResponse is { } response ? (int)response.StatusCode : null;
        }

        return ValueTask.CompletedTask;
    }
}
