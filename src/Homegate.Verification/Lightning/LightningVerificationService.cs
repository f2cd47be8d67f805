using Homegate.Verification.Redemptions;
using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Lightning;

internal enum LightningError
{
    None,
    Disabled,
    InvalidAmount,
    InvalidRequest,
    NotFound,
    Unavailable,
}

internal sealed record CreateLightningVerification(long? AmountSat, string? Description, string? Pubky);

internal sealed record CreatedLightningVerification(Guid Id, string Invoice, long AmountSat, DateTimeOffset ExpiresAt);

/// <summary>What a client sees of a verification; <see cref="Permit"/> only when paid.</summary>
internal sealed record LightningVerificationView(Guid Id, string Status, long AmountSat, DateTimeOffset ExpiresAt, DateTimeOffset? PaidAt, IssuedPermit? Permit, string? SignupCode = null);

internal readonly record struct LightningResult<T>(T? Value, LightningError Error, string? Detail = null)
    where T : class
{
    public static implicit operator LightningResult<T>(T value) => new(value, LightningError.None);

    public static LightningResult<T> Fail(LightningError error, string? detail = null) => new(null, error, detail);
}

/// <summary>
/// Creates invoices, reads verifications and long-polls them. Paid verifications carry a permit
/// (<c>mth=lightning</c>, <c>jti=ln:&lt;id&gt;</c>, <c>sub</c> = the pubky given at creation); every
/// read issues a fresh one with the same jti, so one payment is one signup.
/// Database errors propagate (the host answers 503).
/// </summary>
internal sealed partial class LightningVerificationService(
    PhoenixdClient phoenixd,
    LightningRepository repository,
    LightningRowLoader rows,
    LightningPaymentHub hub,
    LightningWatcherStatus status,
    PermitIssuer permits,
    SignupCodeIssuer codes,
    IOptionsMonitor<LightningOptions> options,
    TimeProvider time,
    ILogger<LightningVerificationService> logger,
    Observability.HomegateMetrics? metrics = null)
{
    public bool Enabled => options.CurrentValue.IsEnabled;

    public async Task<LightningResult<CreatedLightningVerification>> CreateAsync(CreateLightningVerification request, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (!current.IsEnabled)
        {
            return LightningResult<CreatedLightningVerification>.Fail(LightningError.Disabled);
        }

        // With several homeservers, the request's homeserver may set its own price.
        var own = Homeserver.HomeserverIdentity.CurrentLightning;
        var price = own?.DefaultAmountSat ?? current.DefaultAmountSat;
        var minimum = own?.MinAmountSat ?? (own?.DefaultAmountSat is { } ownPrice ? ownPrice : current.EffectiveMinAmountSat);
        var maximum = Math.Max(current.MaxAmountSat, price);
        var amount = request.AmountSat ?? price;
        if (amount < minimum || amount > maximum)
        {
            return LightningResult<CreatedLightningVerification>.Fail(LightningError.InvalidAmount,
                FormattableString.Invariant($"amountSat must be between {minimum} and {maximum}."));
        }

        // The invoice is signed by the operator's node: its text is the operator's unless they allow
        // clients to choose it, and then only one short printable line (API.md §5).
        var description = current.Description;
        if (current.AllowClientDescription && !string.IsNullOrEmpty(request.Description))
        {
            if (!InvoiceDescription.IsValid(request.Description))
            {
                return LightningResult<CreatedLightningVerification>.Fail(LightningError.InvalidRequest,
                    "description must be at most 128 printable characters on one line.");
            }

            description = request.Description;
        }

        if (request.Pubky is not null && !ZBase32.TryDecodePublicKey(request.Pubky, out _))
        {
            return LightningResult<CreatedLightningVerification>.Fail(LightningError.InvalidRequest, "pubky must be a z-base-32 public key.");
        }

        var id = Guid.CreateVersion7();
        PhoenixdInvoice invoice;
        try
        {
            invoice = await phoenixd.CreateInvoiceAsync(amount, description, current.InvoiceExpirySeconds, "homegate-ln-" + id.ToString("N"), cancellationToken);
        }
        catch (PhoenixdUnavailableException e)
        {
            LogCreateFailed(e.Message);
            return LightningResult<CreatedLightningVerification>.Fail(LightningError.Unavailable);
        }

        var now = time.GetUtcNow();
        var verification = new LightningVerification(
            id, invoice.PaymentHash, invoice.Serialized, amount, description, request.Pubky,
            LightningStatus.Pending, now, now + current.InvoiceExpiry, null, null, Homeserver.HomeserverIdentity.CurrentName);
        await repository.InsertAsync(verification, cancellationToken);
        metrics?.VerificationStarted(PermitMethods.Lightning);
        return new CreatedLightningVerification(id, invoice.Serialized, amount, verification.ExpiresAt);
    }

    public async Task<LightningResult<LightningVerificationView>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return LightningResult<LightningVerificationView>.Fail(LightningError.Disabled);
        }

        var row = await repository.GetAsync(id, cancellationToken);
        return row is null || !OfThisHomeserver(row) ? LightningResult<LightningVerificationView>.Fail(LightningError.NotFound) : await ViewAsync(row, cancellationToken);
    }

    /// <summary>
    /// Answers as soon as the verification leaves pending, or still pending after
    /// <see cref="LightningOptions.AwaitTimeoutSeconds"/>. Holds no thread and no connection while
    /// waiting: a hub registration is taken BEFORE each read, so a payment recorded between the
    /// read and the wait still wakes us.
    /// </summary>
    public async Task<LightningResult<LightningVerificationView>> AwaitAsync(Guid id, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (!current.IsEnabled)
        {
            return LightningResult<LightningVerificationView>.Fail(LightningError.Disabled);
        }

        var deadline = time.GetUtcNow() + current.AwaitTimeout;
        status.AwaitStarted();
        try
        {
            return await WaitAsync(id, deadline, cancellationToken);
        }
        finally
        {
            status.AwaitEnded();
        }
    }

    private async Task<LightningResult<LightningVerificationView>> WaitAsync(Guid id, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var registration = hub.Register(id);
            var row = await rows.GetAsync(id, cancellationToken);
            if (row is null || !OfThisHomeserver(row))
            {
                return LightningResult<LightningVerificationView>.Fail(LightningError.NotFound);
            }

            var now = time.GetUtcNow();
            var until = row.ExpiresAt < deadline ? row.ExpiresAt : deadline;
            if (row.Status != LightningStatus.Pending || until <= now)
            {
                return await ViewAsync(row, cancellationToken);
            }

            try
            {
                await registration.Signalled.WaitAsync(until - now, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Loop once more: re-read, then answer with whatever the row says.
            }
        }
    }

    /// <summary>With several homeservers, a verification is read only on a host of the homeserver that created it.</summary>
    private static bool OfThisHomeserver(LightningVerification row) =>
        row.Homeserver is null || string.Equals(row.Homeserver, Homeserver.HomeserverIdentity.CurrentName, StringComparison.Ordinal);

    private async Task<LightningVerificationView> ViewAsync(LightningVerification row, CancellationToken cancellationToken)
    {
        var status = row.Status == LightningStatus.Pending && row.ExpiresAt <= time.GetUtcNow()
            ? LightningStatus.Expired
            : row.Status;
        var permit = status == LightningStatus.Paid
            ? permits.Issue("ln:" + row.Id.ToString("D"), PermitMethods.Lightning, row.Pubky)
            : null;
        string? code = null;
        if (permit is not null)
        {
            metrics?.PermitIssued(PermitMethods.Lightning);

            // Every read re-issues the permit; the code is derived from the jti, so it is the same on every read.
            code = await codes.IssueDerivedAsync(permit.Claims, cancellationToken);
        }

        return new LightningVerificationView(row.Id, status, row.AmountSat, row.ExpiresAt, row.PaidAt, permit, code);
    }

    [LoggerMessage(EventId = 4130, Level = LogLevel.Warning, Message = "Creating a Lightning invoice failed: {Reason}")]
    private partial void LogCreateFailed(string reason);
}
