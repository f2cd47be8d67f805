using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Homegate.Fakes;
using Homegate.Fakes.Prelude;
using Xunit.Abstractions;

namespace Homegate.Gateway.Tests.Sms;

/// <summary>
/// The flood of issue 3: 200 concurrent send_code requests, distinct numbers, each costing an
/// Argon2id hash (19 MiB, ~17 ms). The bounded hasher must answer every one (200, 429 or 503)
/// within 10 s and keep this process (test runner, host, fake Prelude) under 300 MiB.
/// Figures are written to the test output and recorded in tests/bench/sms-flood/RESULTS.md.
/// </summary>
public sealed class SmsFloodTests(ITestOutputHelper output) : SmsTestBase
{
    [Fact]
    public async Task Two_hundred_concurrent_send_codes_are_all_answered_quickly_within_the_memory_bound()
    {
        await using var host = await SmsTestHost.StartAsync(Db, Prelude, DataDir);
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

        var total = Stopwatch.StartNew();
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsJsonAsync("/sms_verification/send_code", new { phoneNumber = SmsTestHost.NewPhoneNumber() });
            return ((int)response.StatusCode, watch.Elapsed);
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

        Assert.All(results, r => Assert.True(r.Item1 is 200 or 429 or 503, $"status {r.Item1}"));
        Assert.Contains(results, r => r.Item1 == 200);
        Assert.True(slowest < TimeSpan.FromSeconds(10), $"slowest answer took {slowest}");
        Assert.True(peak < 300L * 1048576, $"peak working set {peak / 1048576} MiB");
    }
}
