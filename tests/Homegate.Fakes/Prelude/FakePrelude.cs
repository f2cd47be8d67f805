using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Fakes.Prelude;

/// <summary>
/// A fake Prelude Verify API v2 (EXTERNALS.md §3) on a real Kestrel server: <c>POST /v2/verification</c>
/// and <c>POST /v2/verification/check</c> with bearer auth. Each phone number can be scripted
/// (<see cref="Script"/>); the fake generates 6-digit codes (<see cref="LastCodeFor"/>) and records
/// every request, signals and dispatch id included (<see cref="Requests"/>). For the local demo it
/// also serves <c>GET /_fake/code/{phone}</c>, <c>PUT /_fake/script/{phone}</c> and <c>GET /_fake/requests</c>.
/// </summary>
public sealed class FakePrelude : IAsyncDisposable
{
    public const string DefaultApiKey = "fake-prelude-key";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PhoneState> _phones = new(StringComparer.Ordinal);
    private readonly List<FakePreludeRequest> _requests = [];

    private FakePrelude(WebApplication app, string apiKey)
    {
        _app = app;
        ApiKey = apiKey;
    }

    /// <summary>The bearer token the fake accepts.</summary>
    public string ApiKey { get; }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>A snapshot of every request received, in order.</summary>
    public IReadOnlyList<FakePreludeRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts the fake on 127.0.0.1 (port 0 = any free port).</summary>
    public static async Task<FakePrelude> StartAsync(string apiKey = DefaultApiKey, int port = 0, ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        var app = builder.Build();
        var fake = new FakePrelude(app, apiKey);
        fake.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>
    /// Scripts a number. One-off canned answers (429 with Retry-After, other 5xx, <c>challenged</c>,
    /// slow answers) are <see cref="PreludeStub"/>'s job; this fake keeps what needs state.
    /// </summary>
    public void Script(string phoneNumber, PreludeBehavior behavior)
    {
        lock (_lock)
        {
            StateFor(phoneNumber).Behavior = behavior;
        }
    }

    /// <summary>The code of the number's open window (what the user would have received), or null.</summary>
    public string? LastCodeFor(string phoneNumber)
    {
        lock (_lock)
        {
            return _phones.TryGetValue(phoneNumber, out var state) ? state.Code : null;
        }
    }

    /// <summary>Closes the number's open window, as Prelude does when a code expires.</summary>
    public void ExpireWindow(string phoneNumber)
    {
        lock (_lock)
        {
            if (_phones.TryGetValue(phoneNumber, out var state))
            {
                state.WindowId = null;
            }
        }
    }

    /// <summary>Requests to <c>/v2/verification</c> (create) for a number.</summary>
    public int CreateCount(string phoneNumber) => Requests.Count(r => r.Path == CreatePath && r.PhoneNumber == phoneNumber);

    /// <summary>Requests to <c>/v2/verification/check</c> for a number.</summary>
    public int CheckCount(string phoneNumber) => Requests.Count(r => r.Path == CheckPath && r.PhoneNumber == phoneNumber);

    /// <summary>Runs the fake standalone: <c>homegate-fakes prelude [--port N] [--api-key KEY]</c>, until Ctrl+C.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var port = 0;
        var apiKey = Environment.GetEnvironmentVariable("PRELUDE_API_KEY") is { Length: > 0 } fromEnv ? fromEnv : DefaultApiKey;
        var rest = args.SkipWhile(a => a == "prelude").ToArray();
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--port" when i + 1 < rest.Length && int.TryParse(rest[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535:
                    port = p;
                    i++;
                    break;
                case "--api-key" when i + 1 < rest.Length:
                    apiKey = rest[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: homegate-fakes prelude [--port N] [--api-key KEY]");
                    return 2;
            }
        }

        await using var fake = await StartAsync(apiKey, port);

        // One JSON line, like the other fakes, for scripts to read; codes at GET {baseUrl}_fake/code/{phone}.
        var line = new JsonObject { ["baseUrl"] = fake.BaseUrl.ToString(), ["apiKey"] = fake.ApiKey };
        await Console.Out.WriteLineAsync(line.ToJsonString());
        await Console.Out.FlushAsync();
        await fake._app.WaitForShutdownAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private const string CreatePath = "/v2/verification";
    private const string CheckPath = "/v2/verification/check";

    private void Map(WebApplication app)
    {
        app.MapPost(CreatePath, (Delegate)((HttpContext context) => HandleAsync(context, create: true)));
        app.MapPost(CheckPath, (Delegate)((HttpContext context) => HandleAsync(context, create: false)));
        app.MapGet("/_fake/code/{phone}", (string phone) =>
            LastCodeFor(phone) is { } code ? Results.Text(code) : Results.NotFound());
        app.MapPut("/_fake/script/{phone}", async (string phone, HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (!Enum.TryParse<PreludeBehavior>((string?)body?["behavior"], ignoreCase: true, out var behavior))
            {
                return Results.BadRequest("behavior must be one of " + string.Join(", ", Enum.GetNames<PreludeBehavior>()));
            }

            Script(phone, behavior);
            return Results.NoContent();
        });
        app.MapGet("/_fake/requests", () => Results.Json(Requests));
    }

    private async Task<IResult> HandleAsync(HttpContext context, bool create)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }

        var phone = (string?)body?["target"]?["value"];
        var authorized = string.Equals(context.Request.Headers.Authorization.ToString(), "Bearer " + ApiKey, StringComparison.Ordinal);
        var request = new FakePreludeRequest(
            create ? CreatePath : CheckPath,
            authorized,
            phone,
            (string?)body?["signals"]?["ip"],
            (string?)body?["signals"]?["user_agent"],
            (string?)body?["dispatch_id"],
            (string?)body?["code"],
            DateTimeOffset.UtcNow);
        PhoneState snapshot;
        lock (_lock)
        {
            _requests.Add(request);
            snapshot = phone is null ? new PhoneState() : StateFor(phone).Clone();
        }

        if (!authorized)
        {
            return Error(401, "unauthorized", "Invalid API key.");
        }

        if (body is null || phone is null || (string?)body["target"]?["type"] != "phone_number")
        {
            return Error(400, "invalid_request", "target is required.");
        }

        if (snapshot.Behavior == PreludeBehavior.ServerError)
        {
            return Error(503, "internal_error", "Something went wrong.");
        }

        if (!phone.StartsWith('+') || phone.Length < 3)
        {
            return Error(400, "invalid_phone_number", "The phone number is invalid.");
        }

        return create ? Create(phone, snapshot.Behavior) : Check(phone, (string?)body["code"], snapshot.Behavior);
    }

    private IResult Create(string phone, PreludeBehavior behavior)
    {
        switch (behavior)
        {
            case PreludeBehavior.Blocked:
                return Verification(NewId(), "blocked", "in_block_list");
            case PreludeBehavior.ShadowBlocked:
                return Verification(NewId(), "shadow_blocked", null);
        }

        lock (_lock)
        {
            var state = StateFor(phone);
            if (state.WindowId is { } open)
            {
                return Verification(open, "retry", null);
            }

            state.WindowId = NewId();
            state.Code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            return Verification(state.WindowId, behavior == PreludeBehavior.Retry ? "retry" : "success", null);
        }
    }

    private IResult Check(string phone, string? code, PreludeBehavior behavior)
    {
        lock (_lock)
        {
            var state = StateFor(phone);
            var id = state.WindowId ?? NewId();
            var status = behavior switch
            {
                PreludeBehavior.Failure => "failure",
                PreludeBehavior.Expired => "expired_or_not_found",
                _ when state.WindowId is null => "expired_or_not_found",
                _ when code is not null && CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(code), System.Text.Encoding.ASCII.GetBytes(state.Code ?? string.Empty)) => "success",
                _ => "failure",
            };
            if (status == "success")
            {
                state.WindowId = null; // a code works once
            }

            return Results.Json(new Dictionary<string, string> { ["id"] = id, ["status"] = status });
        }
    }

    private static IResult Verification(string id, string status, string? reason)
    {
        var body = new Dictionary<string, object>
        {
            ["id"] = id,
            ["status"] = status,
            ["method"] = "message",
            ["channels"] = new[] { "sms" },
        };
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        return Results.Json(body);
    }

    private static IResult Error(int status, string code, string message)
        => Results.Json(
            new Dictionary<string, string> { ["code"] = code, ["message"] = message, ["type"] = "bad_request", ["request_id"] = Guid.NewGuid().ToString("N") },
            statusCode: status);

    private static string NewId() => "vrf_" + Guid.NewGuid().ToString("N")[..26];

    private PhoneState StateFor(string phone)
    {
        if (!_phones.TryGetValue(phone, out var state))
        {
            state = new PhoneState();
            _phones[phone] = state;
        }

        return state;
    }

    private sealed class PhoneState
    {
        public PreludeBehavior Behavior { get; set; }

        public string? WindowId { get; set; }

        public string? Code { get; set; }

        public PhoneState Clone() => (PhoneState)MemberwiseClone();
    }
}
