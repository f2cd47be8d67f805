using System.Collections.Concurrent;
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

    // Up to this many events are confirmed one GET each; a larger burst is confirmed from the
    // listing of paid invoices (one request per 100) and only the leftovers one by one.
    private const int IndividualConfirmLimit = 32;

    // Invoices stay in the reconciler's view this long after expiry, so one that expired while
    // PhoenixD was unreachable is still settled (paid, expired or failed) once it answers again.
    private static readonly TimeSpan SettleWindow = TimeSpan.FromDays(1);

    // PhoenixD's and our clocks differ a little; widen the listing window by this much.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Handles a batch of <c>payment_received</c> events: one query finds which hashes are pending
    /// (unknown hashes and duplicates stop there), PhoenixD confirms which of those are paid, and one
    /// conditional UPDATE flips them. Returns how many flipped. What cannot be confirmed now stays
    /// pending for the reconciler.
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

        var left = pending.ToDictionary(p => p.PaymentHash, StringComparer.Ordinal);
        var paid = pending.Count > IndividualConfirmLimit
            ? await ListPaidAsync(pending[0].CreatedAt, left, cancellationToken)
            : 0;
        return paid + await MarkPaidAsync(await ConfirmEachAsync(left.Values, parallelism, cancellationToken), cancellationToken);
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

        var left = pending.ToDictionary(p => p.PaymentHash, StringComparer.Ordinal);
        var paid = await ListPaidAsync(pending[0].CreatedAt, left, cancellationToken);

        // What is left and past expiry is asked about one by one: paid after all, expired, or unknown (failed).
        foreach (var invoice in left.Values.Where(p => p.ExpiresAt <= now))
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
                paid += await MarkPaidAsync([(invoice.Id, payment.ReceivedSat)], cancellationToken);
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

    /// <summary>
    /// Pages through PhoenixD's paid invoices created since <paramref name="oldest"/>; every one found
    /// in <paramref name="left"/> is removed from it and marked paid, page by page, so waiters wake
    /// while the listing goes on. Payments arriving while paging only shift items, never hide them;
    /// stragglers are caught by the next round. Returns how many flipped.
    /// </summary>
    private async Task<int> ListPaidAsync(DateTimeOffset oldest, Dictionary<string, PendingInvoice> left, CancellationToken cancellationToken)
    {
        var from = oldest - ClockSlack;
        var to = time.GetUtcNow() + ClockSlack;
        var paid = 0;
        for (var offset = 0; left.Count > 0; offset += PageSize)
        {
            var page = await phoenixd.ListIncomingPaymentsAsync(from, to, PageSize, offset, all: false, cancellationToken);
            var confirmed = new List<(Guid Id, long ReceivedSat)>();
            foreach (var payment in page)
            {
                if (payment.IsPaid && left.Remove(payment.PaymentHash, out var invoice))
                {
                    confirmed.Add((invoice.Id, payment.ReceivedSat));
                }
            }

            paid += await MarkPaidAsync(confirmed, cancellationToken);
            if (page.Count < PageSize)
            {
                break;
            }
        }

        return paid;
    }

    private async Task<List<(Guid Id, long ReceivedSat)>> ConfirmEachAsync(IEnumerable<PendingInvoice> invoices, int parallelism, CancellationToken cancellationToken)
    {
        var confirmed = new ConcurrentBag<(Guid Id, long ReceivedSat)>();
        PhoenixdUnavailableException? failure = null;
        await Parallel.ForEachAsync(invoices, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (invoice, ct) =>
        {
            try
            {
                var payment = await phoenixd.GetIncomingPaymentAsync(invoice.PaymentHash, ct);
                if (payment is { IsPaid: true })
                {
                    confirmed.Add((invoice.Id, payment.ReceivedSat));
                }
                else
                {
                    LogUnconfirmedEvent(invoice.Id);
                }
            }
            catch (PhoenixdUnavailableException e)
            {
                failure = e;
            }
        });

        // Record what was confirmed before reporting the failure: those payments are real.
        if (failure is not null)
        {
            await MarkPaidAsync(confirmed.ToList(), cancellationToken);
            throw failure;
        }

        return confirmed.ToList();
    }

    /// <summary>One conditional UPDATE for all; signals local waiters of the ones this call flipped (others get the NOTIFY).</summary>
    private async Task<int> MarkPaidAsync(List<(Guid Id, long ReceivedSat)> confirmed, CancellationToken cancellationToken)
    {
        if (confirmed.Count == 0)
        {
            return 0;
        }

        var flipped = await repository.MarkManyPaidAsync(
            confirmed.Select(c => c.Id).ToArray(), confirmed.Select(c => c.ReceivedSat).ToArray(), time.GetUtcNow(), cancellationToken);
        foreach (var id in flipped)
        {
            hub.Signal(id);
        }

        if (flipped.Count > 0)
        {
            LogPaid(flipped.Count);
        }

        return flipped.Count;
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "{Count} Lightning verification(s) paid")]
    private partial void LogPaid(int count);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Ignored {Count} payment event(s): no pending verification has their hash")]
    private partial void LogIgnoredEvents(int count);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Payment event for verification {Id} not confirmed by PhoenixD (isPaid false or unknown); left pending")]
    private partial void LogUnconfirmedEvent(Guid id);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Reconciliation marked {Paid} of {Pending} pending verifications paid")]
    private partial void LogReconciled(int paid, int pending);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Lightning verification {Id} failed: PhoenixD no longer knows its invoice")]
    private partial void LogFailed(Guid id);
}
