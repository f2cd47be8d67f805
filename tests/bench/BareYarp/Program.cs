// Benchmark case (e): the smallest YARP app that does homegate's pass-through job. It reads the same
// generated configuration file as homegate (`--config FILE`: its "Logging" and "ReverseProxy" sections,
// so the route, the cluster and its HTTP settings are identical) and adds nothing: no routing of own
// endpoints, no CORS, no rate limiter, no exception handler, no transforms of its own. Like homegate
// it sends no Server header. Listens where `--urls` says.
var builder = WebApplication.CreateBuilder(args);
var file = builder.Configuration["config"] ?? throw new InvalidOperationException("usage: bare-yarp --config FILE --urls URL");
builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
