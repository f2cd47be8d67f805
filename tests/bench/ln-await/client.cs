#:property PublishAot=false
#:property TreatWarningsAsErrors=false

// Benchmark client: N verifications, N concurrent GET /await held open, then every invoice paid at
// once through the fake PhoenixD; measures payment→response latency and the host's memory.
// usage: client.cs <homegate-url> <fake-url> <host-pid> <count> <results.md>
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

var baseUrl = new Uri(args[0]);
var fakeUrl = args[1];
var hostPid = int.Parse(args[2], CultureInfo.InvariantCulture);
var count = int.Parse(args[3], CultureInfo.InvariantCulture);
var output = args[4];

using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    ConnectTimeout = TimeSpan.FromSeconds(60),
})
{ BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(10) };

long Rss(string field)
{
    foreach (var line in File.ReadLines($"/proc/{hostPid}/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return -1;
}

async Task<JsonElement> Stats() => await http.GetFromJsonAsync<JsonElement>("/_bench/stats");

var rssIdle = Rss("VmRSS");
Console.WriteLine($"creating {count} verifications…");
var create = Stopwatch.StartNew();
var ids = new Guid[count];
await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
{
    using var response = await http.PostAsync("/ln_verification", null, ct);
    response.EnsureSuccessStatusCode();
    ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("verificationId").GetGuid();
});
Console.WriteLine($"created in {create.Elapsed.TotalSeconds:F1} s");

// A dedicated client for the long polls, so the create pool's connections are not reused.
Console.WriteLine($"opening {count} concurrent /await requests…");
var open = Stopwatch.StartNew();
var answered = new long[count];
var statuses = new string?[count];
var tokens = new bool[count];
var awaits = new Task[count];
for (var i = 0; i < count; i++)
{
    var index = i;
    awaits[i] = Task.Run(async () =>
    {
        using var response = await http.GetAsync($"/ln_verification/{ids[index]}/await");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        answered[index] = Stopwatch.GetTimestamp();
        statuses[index] = body.TryGetProperty("status", out var s) ? s.GetString() : $"http {(int)response.StatusCode}";
        tokens[index] = body.TryGetProperty("signupToken", out _);
    });
    if (i % 500 == 499)
    {
        await Task.Delay(50); // let the listen backlog drain
    }
}

var held = 0;
var until = DateTime.UtcNow.AddMinutes(3);
while (DateTime.UtcNow < until)
{
    held = (await Stats()).GetProperty("awaiting").GetInt32();
    if (held >= count)
    {
        break;
    }

    await Task.Delay(200);
}

Console.WriteLine($"{held} held after {open.Elapsed.TotalSeconds:F1} s");
await Task.Delay(2000);
var statsHeld = await Stats();
var rssHeld = Rss("VmRSS");

Console.WriteLine("paying every invoice…");
var paidFrom = Stopwatch.GetTimestamp();
using (var pay = await http.PostAsync(fakeUrl + "/_fake/pay-all", null))
{
    pay.EnsureSuccessStatusCode();
}

var paidUntil = Stopwatch.GetTimestamp();
var all = Task.WhenAll(awaits);
var allPaidMs = double.NaN;
while (!all.IsCompleted)
{
    if ((await Stats()).GetProperty("paidRows").GetInt64() >= count)
    {
        allPaidMs = Stopwatch.GetElapsedTime(paidFrom).TotalMilliseconds;
        break;
    }

    await Task.Delay(50);
}

await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(5)));
var rssPeak = Rss("VmHWM");
var rssAfter = Rss("VmRSS");

var done = answered.Where(t => t != 0).Select(t => Stopwatch.GetElapsedTime(paidFrom, t).TotalMilliseconds).Order().ToArray();
double P(double q) => done.Length == 0 ? double.NaN : done[Math.Min(done.Length - 1, (int)Math.Ceiling(q * done.Length) - 1)];
var paid = statuses.Count(s => s == "paid");
var withToken = tokens.Count(t => t);
var mib = (long b) => (b / 1024.0 / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

var report = string.Create(CultureInfo.InvariantCulture, $"""
    | metric | value |
    |---|---|
    | concurrent /await held | {held} of {count} |
    | answered | {done.Length} (paid {paid}, with signupToken {withToken}) |
    | pay-all call (fake marks {count} paid, pushes events) | {Stopwatch.GetElapsedTime(paidFrom, paidUntil).TotalMilliseconds:F0} ms |
    | payment→all rows paid in the database (watcher done) | {allPaidMs:F0} ms |
    | payment→first response | {P(0.0001):F0} ms |
    | payment→response p50 | {P(0.50):F0} ms |
    | payment→response p90 | {P(0.90):F0} ms |
    | payment→response p99 | {P(0.99):F0} ms |
    | payment→response max | {P(1.0):F0} ms |
    | host RSS idle / holding {count} / after | {mib(rssIdle)} / {mib(rssHeld)} / {mib(rssAfter)} MiB |
    | host peak RSS (VmHWM, whole process incl. fake PhoenixD) | {mib(rssPeak)} MiB |
    | host GC heap while holding | {mib(statsHeld.GetProperty("gcHeapBytes").GetInt64())} MiB |
    """);
Console.WriteLine(report);
await File.WriteAllTextAsync(output, report);
return done.Length == count && paid == count ? 0 : 1;
