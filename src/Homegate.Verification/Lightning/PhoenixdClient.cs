using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Lightning;

/// <summary>
/// PhoenixD's HTTP API (create invoice, get/list incoming payments) and its <c>/websocket</c>.
/// Every failure (network, timeout, 5xx, 401, unparseable answer) becomes
/// <see cref="PhoenixdUnavailableException"/>; the caller's own cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class PhoenixdClient(HttpClient http, IOptionsMonitor<LightningOptions> options, LightningWatcherStatus status)
{
    public const string HttpClientName = "phoenixd";

    public async Task<PhoenixdInvoice> CreateInvoiceAsync(long amountSat, string description, int expirySeconds, string externalId, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(
        [
            new("description", description),
            new("amountSat", amountSat.ToString(CultureInfo.InvariantCulture)),
            new("expirySeconds", expirySeconds.ToString(CultureInfo.InvariantCulture)),
            new("externalId", externalId),
        ]);
        return await SendAsync(HttpMethod.Post, "createinvoice", content, PhoenixdJsonContext.Default.PhoenixdInvoice, notFoundIsNull: false, cancellationToken)
            ?? throw new PhoenixdUnavailableException("PhoenixD answered createinvoice without a body.");
    }

    /// <summary>The incoming payment with this hash, or null when PhoenixD does not know it.</summary>
    public Task<PhoenixdIncomingPayment?> GetIncomingPaymentAsync(string paymentHash, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Get, "payments/incoming/" + Uri.EscapeDataString(paymentHash), null, PhoenixdJsonContext.Default.PhoenixdIncomingPayment, notFoundIsNull: true, cancellationToken);

    /// <summary>One page of incoming payments created in [from, to]; <paramref name="all"/> also lists unpaid invoices.</summary>
    public async Task<IReadOnlyList<PhoenixdIncomingPayment>> ListIncomingPaymentsAsync(DateTimeOffset from, DateTimeOffset to, int limit, int offset, bool all, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"payments/incoming?from={from.ToUnixTimeMilliseconds()}&to={to.ToUnixTimeMilliseconds()}&limit={limit}&offset={offset}&all={(all ? "true" : "false")}");
        return await SendAsync(HttpMethod.Get, query, null, PhoenixdJsonContext.Default.ListPhoenixdIncomingPayment, notFoundIsNull: false, cancellationToken)
            ?? [];
    }

    /// <summary>The address of PhoenixD's <c>/websocket</c> (ws or wss after the base URL's scheme).</summary>
    public Uri WebSocketUri()
    {
        var baseUrl = options.CurrentValue.BaseUrl ?? throw new PhoenixdUnavailableException("Homegate:Lightning:BaseUrl is not set.");
        return new UriBuilder(new Uri(EnsureSlash(baseUrl), "websocket"))
        {
            Scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
        }.Uri;
    }

    /// <summary>
    /// A socket not yet connected, carrying the Basic auth header, that pings at
    /// <see cref="LightningOptions.SocketKeepAlive"/> and aborts when no pong comes back. Called on
    /// every (re)connect, so a changed password is picked up.
    /// </summary>
    public ClientWebSocket CreateWebSocket()
    {
        var current = options.CurrentValue;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", BasicAuthorization(current.Password).ToString());
        socket.Options.KeepAliveInterval = current.SocketKeepAlive;
        socket.Options.KeepAliveTimeout = current.SocketKeepAlive;
        return socket;
    }

    /// <summary>Opens <c>/websocket</c> once (the watcher's reconnecting client uses <see cref="CreateWebSocket"/>).</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(CancellationToken cancellationToken)
    {
        var uri = WebSocketUri();
        var socket = CreateWebSocket();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CurrentValue.RequestTimeout);
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
            return socket;
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket.Dispose();
            throw new PhoenixdUnavailableException("Could not open PhoenixD's websocket.", e);
        }
    }

    internal static AuthenticationHeaderValue BasicAuthorization(string? password)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + password)));

    internal static Uri EnsureSlash(Uri baseUrl)
        => baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    private async Task<T?> SendAsync<T>(HttpMethod method, string relative, HttpContent? content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        var current = options.CurrentValue;
        var baseUrl = current.BaseUrl ?? throw new PhoenixdUnavailableException("Homegate:Lightning:BaseUrl is not set.");
        using var request = new HttpRequestMessage(method, new Uri(EnsureSlash(baseUrl), relative)) { Content = content };
        request.Headers.Authorization = BasicAuthorization(current.Password);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(current.RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
            {
                status.PhoenixdSucceeded();
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                // PhoenixD's error bodies are short text; the status is enough and keeps secrets out of logs.
                throw new PhoenixdUnavailableException(string.Create(CultureInfo.InvariantCulture, $"PhoenixD answered {(int)response.StatusCode} to {method} /{relative.Split('?')[0]}."));
            }

            var value = await response.Content.ReadFromJsonAsync(type, timeout.Token);
            status.PhoenixdSucceeded();
            return value;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var failure = e is OperationCanceledException
                ? new PhoenixdUnavailableException("PhoenixD did not answer within Homegate:Lightning:RequestTimeout.", e)
                : new PhoenixdUnavailableException("PhoenixD request failed: " + e.GetType().Name, e);
            status.PhoenixdFailed(failure.Message);
            throw failure;
        }
        catch (PhoenixdUnavailableException e)
        {
            status.PhoenixdFailed(e.Message);
            throw;
        }
    }
}
