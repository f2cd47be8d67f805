using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Homegate.Fakes.Phoenixd;

public sealed partial class FakePhoenixd
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<IResult> CreateInvoiceAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return Results.Text("Content-Type must be application/x-www-form-urlencoded", statusCode: 400);
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        string? description = form["description"];
        string? descriptionHash = form["descriptionHash"];
        if (description is null && descriptionHash is null)
        {
            return Results.Text("Missing parameter: description or descriptionHash", statusCode: 400);
        }

        if (description is { Length: > 128 })
        {
            return Results.Text("Invalid parameter: description is too long (max 128 characters)", statusCode: 400);
        }

        if (!long.TryParse(form["amountSat"], NumberStyles.None, CultureInfo.InvariantCulture, out var amountSat) || amountSat <= 0)
        {
            return Results.Text("Invalid parameter: amountSat", statusCode: 400);
        }

        var expirySeconds = 3600L;
        if (form.TryGetValue("expirySeconds", out var expiry) && !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out expirySeconds))
        {
            return Results.Text("Invalid parameter: expirySeconds", statusCode: 400);
        }

        var preimage = RandomNumberGenerator.GetBytes(32);
        var hash = Convert.ToHexStringLower(SHA256.HashData(preimage));
        var now = _time.GetUtcNow();
        var serialized = FormattableString.Invariant($"lnbcrt{amountSat}0n1pfake{hash[..48]}");
        var invoice = new FakeInvoice(hash, Convert.ToHexStringLower(preimage), serialized, amountSat, description, form["externalId"], now, now.AddSeconds(expirySeconds));
        _invoices[hash] = invoice;
        Interlocked.Increment(ref _version);
        return Results.Json(new { amountSat, paymentHash = hash, serialized }, Json);
    }

    private IResult GetIncoming(string paymentHash)
        => _invoices.TryGetValue(paymentHash, out var invoice)
            ? Results.Json(Describe(invoice), Json)
            : Results.Text("Not found", statusCode: 404);

    private IResult ListIncoming(HttpRequest request)
    {
        static long Number(HttpRequest request, string name, long fallback)
            => long.TryParse(request.Query[name], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

        var from = Number(request, "from", 0);
        var to = Number(request, "to", _time.GetUtcNow().ToUnixTimeMilliseconds());
        var limit = (int)Math.Clamp(Number(request, "limit", 20), 0, 1000);
        var offset = (int)Math.Min(Number(request, "offset", 0), int.MaxValue);
        var all = string.Equals(request.Query["all"], "true", StringComparison.OrdinalIgnoreCase);
        string? externalId = request.Query["externalId"];
        var page = NewestFirst()
            .Where(i => i.CreatedAt.ToUnixTimeMilliseconds() >= from && i.CreatedAt.ToUnixTimeMilliseconds() <= to)
            .Where(i => all || i.IsPaid)
            .Where(i => string.IsNullOrEmpty(externalId) || i.ExternalId == externalId)
            .Skip(offset)
            .Take(limit)
            .Select(Describe)
            .ToList();
        return Results.Json(page, Json);
    }

    private Dictionary<string, object?> Describe(FakeInvoice invoice)
    {
        lock (invoice.Sync)
        {
            var body = new Dictionary<string, object?>
            {
                ["paymentHash"] = invoice.PaymentHash,
                ["preimage"] = invoice.Preimage,
                ["description"] = invoice.Description,
                ["invoice"] = invoice.Serialized,
                ["isPaid"] = invoice.IsPaid,
                ["isExpired"] = !invoice.IsPaid && _time.GetUtcNow() >= invoice.ExpiresAt,
                ["requestedSat"] = invoice.AmountSat,
                ["receivedSat"] = invoice.IsPaid ? invoice.AmountSat : 0,
                ["fees"] = 0,
                ["createdAt"] = invoice.CreatedAt.ToUnixTimeMilliseconds(),
                ["expiresAt"] = invoice.ExpiresAt.ToUnixTimeMilliseconds(),
            };
            if (invoice.ExternalId is not null)
            {
                body["externalId"] = invoice.ExternalId;
            }

            if (invoice.PaidAt is { } paidAt)
            {
                body["completedAt"] = paidAt.ToUnixTimeMilliseconds();
            }

            return body;
        }
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        var socket = new FakeSocket(Interlocked.Increment(ref _socketIds), context, webSocket, StallSockets);
        _sockets[socket.Id] = socket;
        Interlocked.Increment(ref _socketConnections);
        try
        {
            if (socket.Stalled)
            {
                // Neither read (pings go unanswered) nor write, until the client or a test gives up.
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            var buffer = new byte[1024];
            while (webSocket.State == WebSocketState.Open)
            {
                var result = await webSocket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // Dropped by a test or by the client.
        }
        finally
        {
            _sockets.TryRemove(socket.Id, out _);
        }
    }

    private async Task BroadcastAsync(string paymentHash, long amountSat, string? externalId)
    {
        var message = new Dictionary<string, object?>
        {
            ["type"] = "payment_received",
            ["timestamp"] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["amountSat"] = amountSat,
            ["paymentHash"] = paymentHash,
        };
        if (externalId is not null)
        {
            message["externalId"] = externalId;
        }

        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message, Json));
        var copies = SendDuplicates ? 2 : 1;
        foreach (var socket in _sockets.Values.Where(s => !s.Stalled))
        {
            for (var i = 0; i < copies; i++)
            {
                await socket.SendAsync(bytes);
            }
        }
    }

    private sealed class FakeSocket(int id, HttpContext context, WebSocket webSocket, bool stalled)
    {
        // Sends are chained: a WebSocket allows one send at a time.
        private readonly Lock _sync = new();
        private Task _tail = Task.CompletedTask;

        public int Id { get; } = id;

        public HttpContext Context { get; } = context;

        public bool Stalled { get; } = stalled;

        public Task SendAsync(byte[] message)
        {
            lock (_sync)
            {
                _tail = _tail.ContinueWith(_ => SendOneAsync(message), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
                return _tail;
            }
        }

        private async Task SendOneAsync(byte[] message)
        {
            try
            {
                await webSocket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
            catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                // The socket went away: the event is lost, exactly as with the real PhoenixD.
            }
        }
    }
}
