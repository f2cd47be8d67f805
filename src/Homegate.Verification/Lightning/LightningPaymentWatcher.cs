using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Websocket.Client;
using Websocket.Client.Exceptions;

namespace Homegate.Verification.Lightning;

/// <summary>
/// Holds the PhoenixD WebSocket on exactly one instance: the one holding a session-level advisory
/// lock on a dedicated connection. The others retry every <see cref="LightningOptions.LeaderRetryInterval"/>
/// and take over when the holder's session ends. The holder keeps the socket open with Websocket.Client
/// (reconnecting at <see cref="LightningOptions.ReconnectDelay"/>), confirms each event over HTTP, and reconciles pending invoices
/// after every (re)connect and every <see cref="LightningOptions.ReconcileInterval"/>.
/// </summary>
internal sealed partial class LightningPaymentWatcher(
    NpgsqlDataSource dataSource,
    PhoenixdClient phoenixd,
    LightningPaymentProcessor processor,
    LightningWatcherStatus status,
    IOptionsMonitor<LightningOptions> options,
    TimeProvider time,
    ILogger<LightningPaymentWatcher> logger,
    Observability.HomegateMetrics? metrics = null) : BackgroundService
{
    // "hg-lnwat" in ASCII: the advisory lock key of the socket holder, shared by every instance.
    internal const long LeaderLockKey = 0x68672D6C6E776174;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return;
        }

        status.SetEnabled(true);
        while (!stoppingToken.IsCancellationRequested)
        {
            NpgsqlConnection? lockConnection = null;
            var leading = false;
            try
            {
                lockConnection = await dataSource.OpenConnectionAsync(stoppingToken);
                leading = await lockConnection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_try_advisory_lock(@LeaderLockKey)", new { LeaderLockKey }, cancellationToken: stoppingToken));
                if (leading)
                {
                    status.SetLeader(true);
                    LogLeading();
                    await LeadAsync(lockConnection, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever went wrong, the watcher must come back: payments depend on it.
                status.Error("Payment watcher: " + e.GetType().Name);
                LogWatcherFailed(e);
            }
            finally
            {
                status.SetLeader(false);
                if (lockConnection is not null)
                {
                    await ReleaseAsync(lockConnection, leading);
                }
            }

            await DelayAsync(options.CurrentValue.LeaderRetryInterval, stoppingToken);
        }
    }

    /// <summary>Runs the socket, the confirmers and the reconciler until stopping or the lock session dies.</summary>
    private async Task LeadAsync(NpgsqlConnection lockConnection, CancellationToken stoppingToken)
    {
        using var lead = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reconcileNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var tasks = new List<Task>
        {
            ConfirmLoopAsync(events.Reader, lead.Token),
            ReconcileLoopAsync(reconcileNow.Reader, lead.Token),
            RunSocketAsync(events.Writer, reconcileNow.Writer, lead.Token),
        };
        var guard = GuardLockAsync(lockConnection, lead.Token);
        tasks.Add(guard);
        try
        {
            await Task.WhenAny(tasks);
        }
        finally
        {
            await lead.CancelAsync();
            events.Writer.TryComplete();
            try
            {
                await Task.WhenAll(tasks);
            }
            catch (OperationCanceledException)
            {
            }
        }

        stoppingToken.ThrowIfCancellationRequested();

        // Only the guard ends on its own (lock connection lost); surface its failure.
        await guard;
    }

    private async Task GuardLockAsync(NpgsqlConnection lockConnection, CancellationToken cancellationToken)
    {
        while (true)
        {
            await DelayAsync(options.CurrentValue.LeaderRetryInterval, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // The lock lives exactly as long as this session: if the session is gone, so is leadership.
            await lockConnection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
        }
    }

    // PhoenixD's events are a few hundred bytes; anything longer is not parsed.
    internal const int MaxEventLength = 64 * 1024;

    /// <summary>
    /// Holds the socket through Websocket.Client: it connects with <see cref="PhoenixdClient.CreateWebSocket"/>
    /// on every attempt, reconnects after a drop or a failed connect, and is stopped when leadership ends.
    /// </summary>
    private async Task RunSocketAsync(ChannelWriter<string> events, ChannelWriter<bool> reconcileNow, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        using var socket = new WebsocketClient(phoenixd.WebSocketUri(), phoenixd.CreateWebSocket)
        {
            Name = "phoenixd",
            // PhoenixD is silent between payments and pings are not messages: a quiet socket is fine.
            // A dead one is noticed by the keep-alive (SocketKeepAlive), which fails the receive.
            ReconnectTimeout = null,
            ErrorReconnectTimeout = current.ReconnectDelay,
            LostReconnectTimeout = current.ReconnectDelay,
            ConnectTimeout = current.RequestTimeout,
        };
        using var connected = socket.ReconnectionHappened.Subscribe(_ =>
        {
            status.SetConnected(true);
            if (status.SocketConnections > 1)
            {
                metrics?.WatcherReconnected();
            }

            LogConnected();

            // Events are not replayed after a reconnect: ask PhoenixD about everything pending.
            reconcileNow.TryWrite(true);
        });
        using var disconnected = socket.DisconnectionHappened.Subscribe(info =>
        {
            status.SetConnected(false);
            if (info.Type is DisconnectionType.ByUser or DisconnectionType.Exit)
            {
                return;
            }

            var reason = info.Exception is { } e ? e.GetType().Name + ": " + e.Message : info.Type.ToString();
            status.Error("PhoenixD websocket: " + reason);
            LogDisconnected(reason);
        });
        using var received = socket.MessageReceived.Subscribe(message =>
        {
            if (message.MessageType != WebSocketMessageType.Text || message.Text is not { } text)
            {
                return;
            }

            // The library has read the whole message already; bound what we parse.
            if (text.Length > MaxEventLength)
            {
                status.Error("PhoenixD websocket: oversized message ignored");
                LogOversized(text.Length);
                return;
            }

            if (ParsePaymentHash(Encoding.UTF8.GetBytes(text)) is { } hash)
            {
                events.TryWrite(hash);
            }
        });

        await socket.Start();
        try
        {
            await WatchdogAsync(socket, current, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Leadership lost or stopping: close politely, but never wait on a stalled peer.
            try
            {
                await socket.Stop(WebSocketCloseStatus.NormalClosure, "homegate stops watching").WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
            catch (Exception e) when (e is TimeoutException or WebsocketException or WebSocketException or ObjectDisposedException)
            {
                LogDisconnected("stop: " + e.GetType().Name);
            }

            status.SetConnected(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// A guard around Websocket.Client: without it, one run of
    /// Thousand_invoices_paid_while_the_socket_is_repeatedly_dropped_are_all_paid_exactly_once saw no
    /// reconnect within 5 s after a drop. The library's receive loop does not reconnect when it fails
    /// while the previous reconnect is still finishing (it leaves that to the reconnect, which has
    /// already succeeded), so a socket dropped right after opening can stay dead with no event. We
    /// check the socket every ReconnectDelay and force a reconnect once it has been closed for longer
    /// than a connect attempt plus two retries.
    /// </summary>
    private async Task WatchdogAsync(WebsocketClient socket, LightningOptions current, CancellationToken cancellationToken)
    {
        var grace = socket.ConnectTimeout + (2 * current.ReconnectDelay);
        var closedSince = (DateTimeOffset?)null;
        while (true)
        {
            await Task.Delay(current.ReconnectDelay, time, cancellationToken);
            if (IsOpen(socket))
            {
                closedSince = null;
                continue;
            }

            var now = time.GetUtcNow();
            closedSince ??= now;
            if (now - closedSince.Value < grace)
            {
                continue;
            }

            closedSince = null;
            status.SetConnected(false);
            LogDisconnected("not reconnected by the client; forcing a reconnect");
            await socket.Reconnect();
        }
    }

    private static bool IsOpen(WebsocketClient socket)
    {
        try
        {
            return socket.NativeClient?.State == WebSocketState.Open;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    internal static string? ParsePaymentHash(ReadOnlySpan<byte> json)
    {
        try
        {
            var message = JsonSerializer.Deserialize(json, PhoenixdJsonContext.Default.PhoenixdEvent);
            return message is { Type: "payment_received", PaymentHash: { Length: > 0 and <= 128 } hash } ? hash : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Events are confirmed in batches: whatever arrived while the previous batch was being confirmed
    // is taken at once, so a burst costs a few queries instead of three round trips per event.
    private const int MaxConfirmBatch = 10_000;

    private async Task ConfirmLoopAsync(ChannelReader<string> events, CancellationToken cancellationToken)
    {
        var batch = new List<string>(MaxConfirmBatch);
        while (await events.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            while (batch.Count < MaxConfirmBatch && events.TryRead(out var hash))
            {
                batch.Add(hash);
            }

            try
            {
                await processor.ConfirmManyAsync(batch, options.CurrentValue.ConfirmConcurrency, cancellationToken);
            }
            catch (Exception e) when (e is PhoenixdUnavailableException or NpgsqlException)
            {
                // The reconciler will settle these; a lost confirmation costs at most one interval.
                status.Error("Payment confirmation: " + e.Message);
                LogConfirmFailed(e);
            }
        }
    }

    private async Task ReconcileLoopAsync(ChannelReader<bool> reconcileNow, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wait.CancelAfter(options.CurrentValue.ReconcileInterval);
                try
                {
                    await reconcileNow.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Interval elapsed.
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await processor.ReconcileAsync(cancellationToken);
            }
            catch (Exception e) when (e is PhoenixdUnavailableException or NpgsqlException)
            {
                status.Error("Reconciliation: " + e.Message);
                LogReconcileFailed(e);
            }
        }
    }

    private async Task ReleaseAsync(NpgsqlConnection connection, bool leading)
    {
        try
        {
            // Returning a connection to the pool does not end its session, so unlock explicitly.
            if (leading && connection.State == System.Data.ConnectionState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_unlock(@LeaderLockKey)", new { LeaderLockKey }, cancellationToken: timeout.Token));
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // A broken session has released the lock already.
            LogUnlockFailed(e);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "This instance now holds the PhoenixD payment watcher")]
    private partial void LogLeading();

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "PhoenixD websocket connected")]
    private partial void LogConnected();

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "PhoenixD websocket disconnected: {Reason}")]
    private partial void LogDisconnected(string reason);

    [LoggerMessage(EventId = 4117, Level = LogLevel.Warning, Message = "PhoenixD sent a {Length}-character websocket message; not parsed")]
    private partial void LogOversized(int length);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Error, Message = "Payment watcher failed; retrying")]
    private partial void LogWatcherFailed(Exception exception);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Warning, Message = "Could not confirm a payment event; the reconciler will retry")]
    private partial void LogConfirmFailed(Exception exception);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Warning, Message = "Reconciliation of pending Lightning verifications failed")]
    private partial void LogReconcileFailed(Exception exception);

    [LoggerMessage(EventId = 4116, Level = LogLevel.Debug, Message = "Releasing the watcher lock failed; the session is gone")]
    private partial void LogUnlockFailed(Exception exception);
}
