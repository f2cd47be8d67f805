using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Fakes.Phoenixd;

/// <summary>
/// A fake PhoenixD: real Kestrel on loopback with HTTP Basic auth, <c>POST /createinvoice</c>,
/// <c>GET /payments/incoming/{hash}</c>, <c>GET /payments/incoming</c> and <c>GET /websocket</c>
/// (<c>payment_received</c> text frames, server pings). Tests pay invoices, drop or stall sockets,
/// send duplicate events, report payments for hashes it never issued, and take it down.
/// </summary>
public sealed partial class FakePhoenixd : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FakeInvoice> _invoices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, FakeSocket> _sockets = new();
    private readonly TimeProvider _time;
    private WebApplication? _app;
    private int _socketIds;
    private int _socketConnections;
    private int _httpRequests;

    // Invoices newest first, rebuilt only when the set changed (the listing is paged through a lot).
    private volatile Snapshot? _newestFirst;
    private int _version;

    private FakePhoenixd(string password, TimeProvider time)
    {
        Password = password;
        _time = time;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public string Password { get; }

    /// <summary>Answer 503 to everything (HTTP and WebSocket upgrades). Does not close open sockets: see <see cref="DropSocketsAsync"/>.</summary>
    public bool Down { get; set; }

    /// <summary>Delay every HTTP answer by this much (timeouts).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>New sockets are accepted but never sent anything, and never read (so pings go unanswered).</summary>
    public bool StallSockets { get; set; }

    /// <summary>Every <c>payment_received</c> is sent twice.</summary>
    public bool SendDuplicates { get; set; }

    public IReadOnlyCollection<FakeInvoice> Invoices => _invoices.Values.ToList();

    /// <summary>WebSockets open right now.</summary>
    public int ConnectedSockets => _sockets.Count;

    /// <summary>WebSockets accepted since start.</summary>
    public int SocketConnections => Volatile.Read(ref _socketConnections);

    /// <summary>Authenticated HTTP API requests answered since start (not counting the WebSocket).</summary>
    public int HttpRequests => Volatile.Read(ref _httpRequests);

    public static async Task<FakePhoenixd> StartAsync(string password = "fake-phoenixd-password", int port = 0, bool controlEndpoints = false, TimeProvider? time = null)
    {
        var fake = new FakePhoenixd(password, time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(10) });
        if (controlEndpoints)
        {
            fake.MapControl(app);
        }

        app.Use(fake.GuardAsync);
        app.MapPost("/createinvoice", fake.CreateInvoiceAsync);
        app.MapGet("/payments/incoming/{paymentHash}", fake.GetIncoming);
        app.MapGet("/payments/incoming", fake.ListIncoming);
        app.Map("/websocket", fake.WebSocketAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        fake._app = app;
        return fake;
    }

    /// <summary>
    /// Marks the invoice paid and pushes <c>payment_received</c> to open sockets in the background.
    /// False when unknown or expired. Paying twice sends the event again (a duplicate).
    /// </summary>
    public bool Pay(string paymentHash)
    {
        if (!MarkPaid(paymentHash, out var invoice))
        {
            return false;
        }

        _ = Task.Run(() => BroadcastAsync(invoice.PaymentHash, invoice.AmountSat, invoice.ExternalId));
        return true;
    }

    /// <summary>As <see cref="Pay"/>, but returns once the event was written to every open socket.</summary>
    public async Task<bool> PayAsync(string paymentHash)
    {
        if (!MarkPaid(paymentHash, out var invoice))
        {
            return false;
        }

        await BroadcastAsync(invoice.PaymentHash, invoice.AmountSat, invoice.ExternalId);
        return true;
    }

    private bool MarkPaid(string paymentHash, out FakeInvoice invoice)
    {
        if (!_invoices.TryGetValue(paymentHash, out invoice!))
        {
            return false;
        }

        lock (invoice.Sync)
        {
            var now = _time.GetUtcNow();
            if (!invoice.IsPaid && now >= invoice.ExpiresAt)
            {
                return false;
            }

            invoice.PayAttempts++;
            if (!invoice.IsPaid)
            {
                invoice.IsPaid = true;
                invoice.PaidAt = now;
            }
        }

        return true;
    }

    /// <summary>Pays every unpaid, unexpired invoice; returns how many.</summary>
    public int PayAll()
    {
        var paid = 0;
        foreach (var invoice in _invoices.Values.Where(i => !i.IsPaid))
        {
            paid += Pay(invoice.PaymentHash) ? 1 : 0;
        }

        return paid;
    }

    /// <summary>The invoice expires now.</summary>
    public void Expire(string paymentHash)
    {
        var invoice = _invoices[paymentHash];
        lock (invoice.Sync)
        {
            invoice.ExpiresAt = _time.GetUtcNow();
        }
    }

    /// <summary>Forgets an invoice, as a wiped node would (GET answers 404).</summary>
    public bool Forget(string paymentHash)
    {
        var removed = _invoices.TryRemove(paymentHash, out _);
        Interlocked.Increment(ref _version);
        return removed;
    }

    private FakeInvoice[] NewestFirst()
    {
        var version = Volatile.Read(ref _version);
        if (_newestFirst is { } cached && cached.Version == version)
        {
            return cached.Invoices;
        }

        var sorted = _invoices.Values
            .OrderByDescending(i => i.CreatedAt)
            .ThenBy(i => i.PaymentHash, StringComparer.Ordinal)
            .ToArray();
        _newestFirst = new Snapshot(version, sorted);
        return sorted;
    }

    private sealed record Snapshot(int Version, FakeInvoice[] Invoices);

    /// <summary>Sends <c>payment_received</c> for a hash it never issued; returns that hash.</summary>
    public async Task<string> EmitUnknownPaymentAsync()
    {
        var hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await BroadcastAsync(hash, 1000, null);
        return hash;
    }

    /// <summary>Sends this text message as is on every open (not stalled) socket.</summary>
    public Task EmitRawAsync(string text)
        => Task.WhenAll(_sockets.Values.Where(s => !s.Stalled).Select(s => s.SendAsync(System.Text.Encoding.UTF8.GetBytes(text))));

    /// <summary>Aborts every open socket's TCP connection (no close handshake).</summary>
    public async Task DropSocketsAsync()
    {
        foreach (var socket in _sockets.Values)
        {
            try
            {
                socket.Context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // The connection ended on its own between the listing and the abort.
            }

            _sockets.TryRemove(socket.Id, out _);
        }

        await Task.Yield();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await DropSocketsAsync();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Standalone use: <c>homegate-fakes phoenixd --port N --password X</c>, with control endpoints under <c>/_fake/</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var port = 9740;
        var password = "phoenixd-demo-password";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "phoenixd":
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var p):
                    port = p;
                    i++;
                    break;
                case "--password" when i + 1 < args.Length:
                    password = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: homegate-fakes phoenixd [--port N] [--password X]");
                    return 2;
            }
        }

        await using var fake = await StartAsync(password, port, controlEndpoints: true);
        // One JSON line, like the other fakes, for scripts to read; pay with POST {baseUrl}_fake/pay/{paymentHash}.
        Console.WriteLine(new System.Text.Json.Nodes.JsonObject { ["baseUrl"] = fake.BaseUrl.ToString(), ["password"] = password }.ToJsonString());
        await Homeserver.CommandLine.WaitForShutdownAsync();
        return 0;
    }

    private void MapControl(WebApplication app)
    {
        app.MapPost("/_fake/pay/{paymentHash}", async (string paymentHash) =>
            await PayAsync(paymentHash) ? Results.Ok(new { paid = paymentHash }) : Results.NotFound());
        app.MapPost("/_fake/pay-all", () => Results.Ok(new { paid = PayAll() }));
        app.MapPost("/_fake/expire/{paymentHash}", (string paymentHash) =>
        {
            if (!_invoices.ContainsKey(paymentHash))
            {
                return Results.NotFound();
            }

            Expire(paymentHash);
            return Results.Ok();
        });
        app.MapPost("/_fake/drop-sockets", async () =>
        {
            await DropSocketsAsync();
            return Results.Ok();
        });
        app.MapPost("/_fake/down/{down:bool}", (bool down) =>
        {
            Down = down;
            return Results.Ok(new { down });
        });
        app.MapGet("/_fake/invoices", () => Results.Ok(_invoices.Values.Select(i => new
        {
            i.PaymentHash,
            i.Serialized,
            i.AmountSat,
            i.Description,
            i.ExternalId,
            i.IsPaid,
            i.ExpiresAt,
        })));
    }

    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/_fake", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        if (Down)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("Service Unavailable");
            return;
        }

        if (Delay > TimeSpan.Zero && !context.WebSockets.IsWebSocketRequest)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (!Authorized(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync("Unauthorized");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            Interlocked.Increment(ref _httpRequests);
        }

        await next(context);
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var given = colon < 0 ? decoded : decoded[(colon + 1)..];
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Password));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
