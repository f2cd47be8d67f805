namespace Homegate.Gateway.Tests.Page;

/// <summary>Browser tests run one at a time, after the parallel tests: one Chromium at a time on a
/// small machine, and no browser competing with tests that measure how fast homegate answers.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTestGroup
{
    public const string Name = "Browser";
}
