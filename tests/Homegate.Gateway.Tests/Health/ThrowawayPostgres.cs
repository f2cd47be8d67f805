using System.Diagnostics;
using System.Globalization;

namespace Homegate.Gateway.Tests.Health;

/// <summary>
/// A PostgreSQL cluster of its own (scripts/pg-throwaway) that a test may stop and start again on the
/// same port, to simulate a database outage without disturbing the shared test server.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _directory;
    private readonly string _pgCtl;

    private ThrowawayPostgres(string script, string directory, string pgCtl, string connectionString)
    {
        _script = script;
        _directory = directory;
        _pgCtl = pgCtl;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    private string Port => File.ReadAllText(Path.Combine(_directory, "port")).Trim();

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "scripts", "pg-throwaway");
        var directory = Path.Combine(Path.GetTempPath(), "homegate-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var connectionString = (await RunAsync(script, "start", directory)).Trim();
        var pgCtl = (await RunAsync("bash", "-c", "command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1")).Trim();
        return new ThrowawayPostgres(script, directory, pgCtl, connectionString);
    }

    /// <summary>Stops the server the way an operator or a crash-free restart would (<c>-m fast</c>: sessions are terminated).</summary>
    public Task StopAsync() => AsOwnerAsync(_pgCtl, "-D", Path.Combine(_directory, "data"), "-m", "fast", "-w", "stop");

    /// <summary>Starts the server again on the same port and socket directory.</summary>
    public Task StartAgainAsync() => AsOwnerAsync(_pgCtl, "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"),
        "-w", "-t", "60", "-o", string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"),
        "start");

    public async ValueTask DisposeAsync() => await RunAsync(_script, "stop", _directory);

    private static Task<string> AsOwnerAsync(params string[] command) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", .. command]) : RunAsync(command[0], command[1..]);

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Homegate.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Homegate.sln not found above " + AppContext.BaseDirectory);
    }
}
