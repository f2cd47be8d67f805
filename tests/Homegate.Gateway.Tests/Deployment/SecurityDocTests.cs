using System.Text.RegularExpressions;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>docs/security.md points every guarantee at a test: those tests must exist.</summary>
public sealed partial class SecurityDocTests
{
    [Fact]
    public void Every_test_the_threat_model_names_exists()
    {
        var doc = RepositoryFiles.Read("docs/security.md");
        var named = TestReference().Matches(doc).Select(m => (Class: m.Groups[1].Value, Method: m.Groups[2].Value)).Distinct().ToList();
        Assert.NotEmpty(named);

        var sources = Directory.EnumerateFiles(RepositoryFiles.PathOf("tests"), "*Tests.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var missing = named
            .Where(n => !sources.Any(s => Regex.IsMatch(s, $@"\bclass {n.Class}\b") && Regex.IsMatch(s, $@"\bTask {n.Method}\(|\bvoid {n.Method}\(")))
            .Select(n => $"{n.Class}.{n.Method}")
            .ToList();
        Assert.True(missing.Count == 0, "docs/security.md names tests that do not exist: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z]+Tests)\.([A-Za-z_]+)`")]
    private static partial Regex TestReference();
}
