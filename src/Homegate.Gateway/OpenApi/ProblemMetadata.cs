using Homegate.Gateway.Problems;

namespace Homegate.Gateway.OpenApi;

/// <summary>Describes homegate's problem+json answers (<see cref="HomegateProblem"/>) in the OpenAPI document.</summary>
internal static class ProblemMetadata
{
    /// <summary>Declares that the endpoint may answer each of <paramref name="statuses"/> with a homegate problem.</summary>
    public static RouteHandlerBuilder ProducesHomegateProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ProblemBody>(status, HomegateProblem.ContentType);
        }

        return builder;
    }
}
