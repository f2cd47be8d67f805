namespace Homegate.Gateway.Tests.Robustness;

/// <summary>
/// Tests that load the whole machine (the fuzz test's 10,000 requests) run alone, after the parallel
/// ones: they would otherwise skew what other tests measure (e.g. SmsFloodTests' memory bound).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "alone";
}
