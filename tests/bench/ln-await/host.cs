#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
#:property ServerGarbageCollection=true
#:property TreatWarningsAsErrors=false
#:project ../../../src/Homegate.Gateway/Homegate.Gateway.csproj
#:project ../../Homegate.Fakes/Homegate.Fakes.csproj

// Benchmark host: the Lightning feature exactly as homegate composes it (AddLightningVerification +
// MapLightningVerification on Kestrel, real PostgreSQL, permits), plus the fake PhoenixD with its
// control endpoints. Prints "READY <homegate-url> <fake-url> <pid>" and runs until SIGTERM.
using System.Net;
using System.Threading.RateLimiting;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Gateway.Lightning;
using Homegate.Verification.Crypto;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Lightning;
using Homegate.Verification.Permits;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

await using var db = await TestDatabase.CreateAsync();
await using var fake = await FakePhoenixd.StartAsync(controlEndpoints: true);
var dataDir = Directory.CreateTempSubdirectory("hg-bench-");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseSockets(o => o.Backlog = 4096);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Homegate:DataDir"] = dataDir.FullName,
    ["Homegate:Lightning:BaseUrl"] = fake.BaseUrl.ToString(),
    ["Homegate:Lightning:Password"] = fake.Password,
    ["Homegate:Lightning:AwaitTimeoutSeconds"] = "300",
});
var key = new byte[32];
System.Security.Cryptography.RandomNumberGenerator.Fill(key);
builder.Services.AddSingleton(new HomeserverIdentity(ZBase32.Encode(key)));
builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(
    new NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxPoolSize = 100 }.ConnectionString).Build());
builder.Services.AddPermits(builder.Configuration);
builder.Services.AddLightningVerification(builder.Configuration);
builder.Services.AddRateLimiter(o =>
{
    o.AddPolicy("ln-create", _ => RateLimitPartition.GetNoLimiter("all"));
    o.AddPolicy("ln-read", _ => RateLimitPartition.GetNoLimiter("all"));
});

var app = builder.Build();
app.UseRateLimiter();
app.MapLightningVerification();
app.MapGet("/_bench/stats", async (LightningWatcherStatus status, NpgsqlDataSource data) => Results.Ok(new
{
    awaiting = status.Awaiting,
    paidRows = (long)(await data.CreateCommand("SELECT count(*) FROM ln_verifications WHERE status = 'paid'").ExecuteScalarAsync())!,
    connected = status.Connected,
    gcHeapBytes = GC.GetTotalMemory(false),
    workingSetBytes = Environment.WorkingSet,
}));
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"READY {address} {fake.BaseUrl.ToString().TrimEnd('/')} {Environment.ProcessId}");

// Run until the driver sends SIGTERM.
await app.WaitForShutdownAsync();
dataDir.Delete(recursive: true);
