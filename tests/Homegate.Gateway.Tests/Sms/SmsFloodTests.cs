using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Homegate.Fakes;
using Homegate.Fakes.Prelude;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// The flood of issue 3: 200 concurrent send_code requests, distinct numbers, each costing an
/// Argon2id hash (19 MiB, ~17 ms). The bounded hasher must answer every one (200, 429 or 503)
/// within 10 s and keep this process (test runner, host, fake Prelude) under 300 MiB.
/// Figures are written to the test output and recorded in tests/bench/sms-flood/RESULTS.md.
/// In the test suite it asserts behaviour only (every request answered, none failed with a 5xx):
/// the 10 s and 300 MiB bounds are benchmark targets, checked when the benchmark runs it alone
/// (HOMEGATE_BENCH_ARGON2ID set by tests/bench/sms-flood/run), not timing assertions in a suite
/// whose other tests share the process and the machine.
/// It uses homegate's Argon2id (NSec, libsodium). tests/bench/sms-flood/run also runs it with
/// HOMEGATE_BENCH_ARGON2ID=konscious (managed Konscious), alternating, for the comparison behind the
/// choice in docs/decisions.md; Konscious misses the latency and memory bounds, so that run fails.
/// </summary>
public sealed class SmsFloodTests(ITestOutputHelper output) : SmsTestBase
{
    [Fact]
    public async Task Two_hundred_concurrent_send_codes_are_all_answered_quickly_within_the_memory_bound()
    {
        var argon2id = Environment.GetEnvironmentVariable("HOMEGATE_BENCH_ARGON2ID") ?? "nsec";
        Action<IServiceCollection>? services = argon2id == "konscious" ? s => s.AddSingleton(KonsciousArgon2id.Hash) : null;
        await using var host = await SmsTestHost.StartAsync(Db, Prelude, DataDir, services: services);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { BaseAddress = host.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() }); // warm up

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(20, CancellationToken.None);
            }
        });

        var gen2Before = GC.CollectionCount(2);
        var total = Stopwatch.StartNew();
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() });
            return ((int)response.StatusCode, Elapsed: watch.Elapsed, Done: total.Elapsed);
        })).ToList();
        start.Release(200);
        var results = await Task.WhenAll(requests);
        total.Stop();
        await sampling.CancelAsync();
        await sampler;

        var byStatus = results.GroupBy(r => r.Item1).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        var slowest = results.Max(r => r.Elapsed);
        output.WriteLine($"statuses {string.Join(", ", byStatus)}; slowest {slowest.TotalMilliseconds:0} ms; all done in {total.ElapsedMilliseconds} ms");
        output.WriteLine($"working set before {before / 1048576} MiB, peak {peak / 1048576} MiB, processors {Environment.ProcessorCount}");
        var hashed = results.Where(r => r.Item1 == 200).ToList();
        var hashWindow = hashed.Count == 0 ? TimeSpan.Zero : hashed.Max(r => r.Item3);
        output.WriteLine(FormattableString.Invariant(
            $"argon2id {argon2id}: {hashed.Count} hashed in {hashWindow.TotalMilliseconds:0} ms = {hashed.Count / Math.Max(hashWindow.TotalSeconds, 0.001):0.0} hashes/s; peak {peak / 1048576} MiB; gen2 collections {GC.CollectionCount(2) - gen2Before}"));

        Assert.All(results, r => Assert.True(r.Item1 is 200 or 429 or 503, $"status {r.Item1}"));
        Assert.Contains(results, r => r.Item1 == 200);
        if (Environment.GetEnvironmentVariable("HOMEGATE_BENCH_ARGON2ID") is not null)
        {
            Assert.True(slowest < TimeSpan.FromSeconds(10), $"slowest answer took {slowest}");
            Assert.True(peak < 300L * 1048576, $"peak working set {peak / 1048576} MiB");
        }
    }
}
