using Microsoft.Extensions.Logging;

namespace Homegate.Verification.Lightning;

/// <summary>
/// Turns what PhoenixD says into verification state. A WebSocket event is only a hint: the payment
/// is confirmed over HTTP (<c>isPaid</c>) before the conditional update. Reconciliation asks
/// PhoenixD about every pending invoice, so payments made while no socket was open are not lost.
/// </summary>
internal sealed partial class LightningPaymentProcessor(
    PhoenixdClient phoenixd,
    LightningRepository repository,
    LightningPaymentHub hub,
    LightningWatcherStatus status,
    TimeProvider time,
    ILogger<LightningPaymentProcessor> logger)
{
    private const int PageSize = 100;

    // Invoices stay in the reconciler's view this long after expiry, so one that expired while
    // PhoenixD was unreachable is still settled (paid, expired or failed) once it answers again.
    private static readonly TimeSpan SettleWindow = TimeSpan.FromDays(1);

    // PhoenixD's and our clocks differ a little; widen the listing window by this much.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Handles a burst of <c>payment_received</c> events: one query finds which hashes are pending,
    /// each of those is confirmed over HTTP (in parallel, bounded), and one conditional UPDATE flips the
    /// confirmed ones. Returns how many flipped. A failed confirmation leaves its verification pending
    /// for the reconciler.
    /// </summary>
    public async Task<int> ConfirmManyAsync(IReadOnlyCollection<string> paymentHashes, int parallelism, CancellationToken cancellationToken)
    {
        var pending = await repository.FindPendingByHashesAsync(paymentHashes.Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
        if (pending.Count < paymentHashes.Count)
        {
            LogIgnoredEvents(paymentHashes.Count - pending.Count);
        }

        if (pending.Count == 0)
        {
            return 0;
        }

        var confirmed = new System.Collections.Concurrent.ConcurrentBag<(Guid Id, long ReceivedSat)>();
        PhoenixdUnavailableException? failure = null;
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            try
            {
                var payment = await phoenixd.GetIncomingPaymentAsync(item.PaymentHash, ct);
                if (payment is { IsPaid: true })
                {
                    confirmed.Add((item.Id, payment.ReceivedSat));
                }
                else
                {
                    LogUnconfirmedEvent(item.Id);
                }
            }
            catch (PhoenixdUnavailableException e)
            {
                failure = e;
            }
        });

        var paid = 0;
        if (!confirmed.IsEmpty)
        {
            var batch = confirmed.ToArray();
            var flipped = await repository.MarkManyPaidAsync(batch.Select(c => c.Id).ToArray(), batch.Select(c => c.ReceivedSat).ToArray(), time.GetUtcNow(), cancellationToken);
            foreach (var id in flipped)
            {
                hub.Signal(id);
            }

            paid = flipped.Count;
            LogPaidMany(paid);
        }

        if (failure is not null)
        {
            throw failure;
        }

        return paid;
    }

    /// <summary>Settles every pending verification PhoenixD reports as paid, expired or unknown; returns how many flipped to paid.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var pending = await repository.ListPendingAsync(now - SettleWindow, cancellationToken);
        if (pending.Count == 0)
        {
            status.Reconciled(now);
            return 0;
        }

        var byHash = pending.ToDictionary(p => p.PaymentHash, StringComparer.Ordinal);
        var from = pending[0].CreatedAt - ClockSlack;
        var to = now + ClockSlack;
        var paid = 0;

        // One listing of paid invoices instead of one request per pending invoice. New payments
        // arriving while paging only shift items, never hide them; the next round catches stragglers.
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await phoenixd.ListIncomingPaymentsAsync(from, to, PageSize, offset, all: false, cancellationToken);
            foreach (var payment in page)
            {
                if (payment.IsPaid && byHash.Remove(payment.PaymentHash, out var invoice) && await MarkPaidAsync(invoice.Id, payment, cancellationToken))
                {
                    paid++;
                }
            }

            if (page.Count < PageSize)
            {
                break;
            }
        }

        // What is left and past expiry is asked about one by one: expired, or unknown (failed).
        foreach (var invoice in byHash.Values.Where(p => p.ExpiresAt <= now))
        {
            var payment = await phoenixd.GetIncomingPaymentAsync(invoice.PaymentHash, cancellationToken);
            if (payment is null)
            {
                if (await repository.MarkUnpaidAsync(invoice.Id, LightningStatus.Failed, cancellationToken))
                {
                    hub.Signal(invoice.Id);
                    LogFailed(invoice.Id);
                }
            }
            else if (payment.IsPaid)
            {
                paid += await MarkPaidAsync(invoice.Id, payment, cancellationToken) ? 1 : 0;
            }
            else if (payment.IsExpired && await repository.MarkUnpaidAsync(invoice.Id, LightningStatus.Expired, cancellationToken))
            {
                hub.Signal(invoice.Id);
            }
        }

        status.Reconciled(time.GetUtcNow());
        if (paid > 0)
        {
            LogReconciled(paid, pending.Count);
        }

        return paid;
    }

    private async Task<bool> MarkPaidAsync(Guid id, PhoenixdIncomingPayment payment, CancellationToken cancellationToken)
    {
        if (!await repository.MarkPaidAsync(id, time.GetUtcNow(), payment.ReceivedSat, cancellationToken))
        {
            return false;
        }

        // Local waiters need not wait for the NOTIFY round trip; other instances get the NOTIFY.
        hub.Signal(id);
        LogPaid(id);
        return true;
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Lightning verification {Id} paid")]
    private partial void LogPaid(Guid id);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Payment event for verification {Id} not confirmed by PhoenixD (isPaid false or unknown); left pending")]
    private partial void LogUnconfirmedEvent(Guid id);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "Ignored {Count} payment events: no pending verification has their hash")]
    private partial void LogIgnoredEvents(int count);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "{Count} Lightning verifications paid")]
    private partial void LogPaidMany(int count);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Reconciliation marked {Paid} of {Pending} pending verifications paid")]
    private partial void LogReconciled(int paid, int pending);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Lightning verification {Id} failed: PhoenixD no longer knows its invoice")]
    private partial void LogFailed(Guid id);
}
