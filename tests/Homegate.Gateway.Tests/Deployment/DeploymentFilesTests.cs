using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>
/// The Dockerfile cannot be built here (no engine), so its properties are checked from its text:
/// what an operator relies on when running the image.
/// </summary>
public sealed class DeploymentFilesTests
{
    private static readonly Dockerfile Image = Dockerfile.Parse(RepositoryFiles.Read("Dockerfile"));

    [Fact]
    public void Dockerfile_builds_with_the_sdk_and_runs_on_the_aspnet_runtime_image()
    {
        Assert.True(Image.Stages.Count >= 2,
            $"The Dockerfile has {Image.Stages.Count} stage(s); a build stage and a runtime stage are expected so the SDK stays out of the image.");
        var build = Image.Stages[0];
        Assert.True(build.Repository == "mcr.microsoft.com/dotnet/sdk",
            $"The first stage is FROM {build.Image}; expected mcr.microsoft.com/dotnet/sdk.");
        Assert.True(Image.Final.Repository == "mcr.microsoft.com/dotnet/aspnet",
            $"The final stage is FROM {Image.Final.Image}; expected the mcr.microsoft.com/dotnet/aspnet runtime image.");

        var publish = build.All("RUN").FirstOrDefault(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.True(publish is not null, "The build stage has no RUN dotnet publish.");
        Assert.True(Regex.IsMatch(publish!.Arguments, @"(-c|--configuration)\s+Release\b"),
            $"line {publish.Line}: dotnet publish does not build the Release configuration: {publish.Arguments}");
        Assert.True(publish.Arguments.Contains("Homegate.Gateway", StringComparison.Ordinal),
            $"line {publish.Line}: dotnet publish does not publish src/Homegate.Gateway: {publish.Arguments}");

        Assert.True(build.Name is not null, "The build stage has no name (FROM ... AS build), so the runtime stage cannot copy from it by name.");
        Assert.True(Image.Final.All("COPY").Any(c => c.Arguments.Contains($"--from={build.Name}", StringComparison.Ordinal)),
            $"The final stage copies nothing from the build stage '{build.Name}'.");
        Assert.False(Image.Final.All("RUN").Any(r => r.Arguments.Contains("dotnet ", StringComparison.Ordinal) && !r.Arguments.Contains("apt-get", StringComparison.Ordinal)),
            "The final stage runs a dotnet command; building belongs to the build stage.");
    }

    [Fact]
    public void Dockerfile_restores_from_the_project_files_alone_before_copying_sources()
    {
        var build = Image.Stages[0];
        var restore = build.Instructions.ToList().FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore >= 0, "The build stage has no separate RUN dotnet restore layer, so every source change re-downloads packages.");

        var copiedBeforeRestore = build.Instructions.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments).ToList();
        Assert.False(copiedBeforeRestore.Any(a => Regex.IsMatch(a, @"(^|\s)(\.|src/?)\s")),
            "The build stage copies the sources before dotnet restore, which defeats the restore layer cache.");
        foreach (var required in new[] { "Directory.Build.props", "Directory.Packages.props" }.Concat(GatewayProjectClosure()))
        {
            Assert.True(copiedBeforeRestore.Any(a => a.Contains(required, StringComparison.Ordinal)),
                $"{required} is not copied before dotnet restore; the restore would miss it (a new project reference needs a COPY line too).");
        }

        var sourcesAfter = build.Instructions.Skip(restore + 1).TakeWhile(i => !(i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));
        Assert.True(sourcesAfter.Any(i => i.Keyword == "COPY" && Regex.IsMatch(i.Arguments, @"^(src/?|\.)\s")),
            "The sources are not copied between dotnet restore and dotnet publish.");
    }

    [Fact]
    public void Dockerfile_runtime_stage_installs_no_system_packages()
    {
        // NSec brings libsodium as a NuGet native asset in the published output; the aspnet image needs nothing else.
        var apt = Image.Final.All("RUN").FirstOrDefault(r => r.Arguments.Contains("apt-get", StringComparison.Ordinal) || r.Arguments.Contains("libsodium", StringComparison.Ordinal));
        Assert.True(apt is null, $"line {apt?.Line}: the final stage installs system packages; homegate needs none (libsodium ships with NSec).");
    }

    [Fact]
    public void Dockerfile_runtime_stage_runs_as_a_non_root_user_after_its_last_root_command()
    {
        var instructions = Image.Final.Instructions.ToList();
        var lastRun = instructions.FindLastIndex(i => i.Keyword == "RUN");
        var lastUser = instructions.FindLastIndex(i => i.Keyword == "USER");
        Assert.True(lastUser >= 0, "The final stage sets no USER, so homegate runs as root.");
        Assert.True(lastUser > lastRun,
            $"The last USER (line {instructions[lastUser].Line}) comes before a RUN (line {instructions[lastRun].Line}); the container's user is set by the last USER, and RUNs after it would fail without root.");
        var user = instructions[lastUser].Arguments.Split(':')[0].Trim();
        Assert.False(user is "root" or "0" or "",
            $"The final USER is '{instructions[lastUser].Arguments}', which is root.");
    }

    [Fact]
    public void Dockerfile_listens_on_8080_and_keeps_the_data_dir_on_a_volume_owned_by_the_runtime_user()
    {
        Assert.True(Image.Final.All("EXPOSE").Any(e => e.Arguments.Split(' ').Any(p => p is "8080" or "8080/tcp")),
            "The final stage does not EXPOSE 8080.");
        var env = string.Join(' ', Image.Final.All("ENV").Select(e => e.Arguments));
        Assert.True(Regex.IsMatch(env, @"ASPNETCORE_URLS=http://(\+|\*|0\.0\.0\.0|\[::\]):8080\b"),
            $"ASPNETCORE_URLS does not listen on all interfaces at port 8080: ENV {env}");
        Assert.True(Regex.IsMatch(env, @"Homegate__DataDir=/data\b"),
            "Homegate__DataDir is not set to /data, so the permit key and pepper would land outside the volume.");
        Assert.True(Image.Final.All("VOLUME").Any(v => v.Arguments.Contains("/data", StringComparison.Ordinal)),
            "/data is not declared a VOLUME.");
        Assert.True(Image.Final.All("RUN").Any(r => Regex.IsMatch(r.Arguments, @"chown\s+\S+\s+(\S+\s+)*/data\b")),
            "/data is not chowned to the runtime user, who then cannot write the signing key or pepper.");
    }

    [Fact]
    public void Dockerfile_entrypoint_runs_homegate_serve_with_the_image_config()
    {
        var entrypoint = Image.Final.All("ENTRYPOINT").LastOrDefault()?.ExecForm();
        Assert.True(entrypoint is { Count: > 0 }, "The final stage has no exec-form ENTRYPOINT (signals would go to a shell, not homegate).");
        var program = entrypoint![0];
        Assert.True(program.EndsWith("/homegate", StringComparison.Ordinal) || program == "homegate",
            $"ENTRYPOINT runs {program}, not the published homegate executable.");
        if (!program.StartsWith('/'))
        {
            var workdir = Image.Final.All("WORKDIR").LastOrDefault()?.Arguments;
            Assert.True(workdir == "/app", $"ENTRYPOINT {program} is relative but WORKDIR is {workdir ?? "unset"}, not /app where the build is copied.");
        }

        var cmd = Image.Final.All("CMD").LastOrDefault()?.ExecForm();
        Assert.True(cmd is { Count: > 0 } && cmd[0] == "serve", $"CMD does not start with serve: {string.Join(' ', cmd ?? [])}");
        var config = cmd!.SkipWhile(a => a != "--config").Skip(1).FirstOrDefault();
        Assert.True(config is not null, "CMD does not pass --config, so homegate looks for config/homegate.json relative to /app.");
        Assert.True(Image.Final.All("COPY").Any(c => c.Arguments.TrimEnd().EndsWith(config!, StringComparison.Ordinal)),
            $"CMD reads {config} but the final stage copies no file there; the image would not start without a mount.");

        // Subcommands run without --config (`docker compose run --rm homegate invite`) read
        // config/homegate.json from the working directory: it must be the same file.
        var configDirectory = config![..config.LastIndexOf('/')];
        Assert.True(Image.Final.All("RUN").Any(r => Regex.IsMatch(r.Arguments, $@"ln -s(f|n|\s)*\s{Regex.Escape(configDirectory)}/?\s+/app/config\b")),
            $"/app/config does not link to {configDirectory}, so `homegate invite` or `check-config` without --config would not read {config}.");
    }

    [Fact]
    public void Dockerfile_healthcheck_probes_liveness_with_a_tool_the_image_has()
    {
        var check = Image.Final.All("HEALTHCHECK").LastOrDefault();
        Assert.True(check is not null, "The final stage has no HEALTHCHECK.");
        Assert.True(check!.Arguments.Contains("/healthz/live", StringComparison.Ordinal),
            $"line {check.Line}: HEALTHCHECK does not probe /healthz/live (readiness would mark the process unhealthy during a database outage).");
        Assert.True(check.Arguments.Contains("8080", StringComparison.Ordinal),
            $"line {check.Line}: HEALTHCHECK does not probe port 8080.");

        var installed = string.Join(' ', Image.Final.All("RUN").Select(r => r.Arguments));
        foreach (var tool in new[] { "curl", "wget" })
        {
            Assert.False(Regex.IsMatch(check.Arguments, $@"\b{tool}\b") && !Regex.IsMatch(installed, $@"install[^&;]*\b{tool}\b"),
                $"HEALTHCHECK uses {tool}, which the aspnet runtime image does not ship and the final stage does not install.");
        }
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_git_tests_and_secrets_out_of_the_context()
    {
        var patterns = RepositoryFiles.Read(".dockerignore")
            .Split('\n').Select(l => l.Trim().TrimEnd('/')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        foreach (var (what, any) in new (string, string[])[]
                 {
                     ("bin", ["**/bin", "bin"]), ("obj", ["**/obj", "obj"]), (".git", [".git"]),
                     ("tests", ["tests", "tests/**"]), (".env", [".env"]),
                 })
        {
            Assert.True(any.Any(patterns.Contains), $".dockerignore does not exclude {what} (expected one of: {string.Join(", ", any)}).");
        }

        Assert.False(patterns.Overlaps(["src", "config", "Homegate.sln", "Directory.Build.props", "Directory.Packages.props"]),
            ".dockerignore excludes a file the Dockerfile copies.");
    }

    /// <summary>src/Homegate.Gateway's csproj and every project it references, transitively.</summary>
    private static HashSet<string> GatewayProjectClosure()
    {
        var pending = new Queue<string>(["src/Homegate.Gateway/Homegate.Gateway.csproj"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(RepositoryFiles.PathOf(project))!;
            foreach (var reference in XDocument.Parse(RepositoryFiles.Read(project)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value));
                pending.Enqueue(Path.GetRelativePath(RepositoryFiles.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }
}
