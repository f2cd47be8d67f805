using System.Diagnostics;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>
/// A clone of the repository with nothing beside it must build, test and document itself: no tracked
/// file may point at a sibling folder of specifications (the contract lives in docs/api.md, the test
/// vectors in tests/vectors).
/// </summary>
public sealed class RepositoryStandsAloneTests
{
    // Built from pieces so that this file does not contain what it looks for.
    private static readonly string Sibling = ".." + "/shared";

    [Fact]
    public void No_tracked_file_refers_to_a_sibling_shared_folder()
    {
        var root = RepositoryRoot();
        var files = TrackedFiles(root);
        Assert.Contains("tests/vectors/paseto-v4-public.json", files);

        var offenders = files
            .Select(f => Path.Combine(root, f))
            .Where(File.Exists)
            .Where(path => File.ReadAllText(path).Contains(Sibling, StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(root, path))
            .ToList();

        Assert.True(offenders.Count == 0, $"Tracked files refer to {Sibling}: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void The_readme_links_the_api_contract_in_the_repository()
    {
        var root = RepositoryRoot();

        Assert.Contains("docs/api.md", File.ReadAllText(Path.Combine(root, "README.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "docs", "api.md")), "docs/api.md is missing.");
    }

    private static List<string> TrackedFiles(string root)
    {
        var start = new ProcessStartInfo("git", ["-C", root, "ls-files", "-z"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git ls-files failed in {root}: {git.StandardError.ReadToEnd()}");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Homegate.sln")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, $"No directory containing Homegate.sln above {AppContext.BaseDirectory}.");
        return dir!.FullName;
    }
}
