using System.Text.RegularExpressions;
using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Sms;

/// <summary>
/// SMS verification (API.md §4): send a code through Prelude, check it, and turn a correct code into
/// a completed verification and a permit (<c>mth=sms</c>, <c>jti=sms:&lt;session id&gt;</c>). Only
/// the phone hash reaches the database and the logs (as an 8-character prefix).
/// </summary>
internal sealed partial class SmsVerificationService(
    PhoneHasher hasher,
    PreludeClient prelude,
    SmsRepository repository,
    SmsSendCaps sendCaps,
    PermitIssuer permits,
    Redemptions.SignupCodeIssuer codes,
    IOptionsMonitor<SmsOptions> options,
    TimeProvider time,
    ILogger<SmsVerificationService> logger,
    Observability.HomegateMetrics? metrics = null)
{
    private const int MaxDispatchIdLength = 128;

    // Without a Retry-After from Prelude, a minute is a polite default.
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The key of a phone number's SMS state: its hash, or with <see cref="SmsLimitScope.PerHomeserver"/>
    /// inside a request of one of several homeservers, a hash of it with the homeserver's name. Everything
    /// per number (limits, sends, burns, the pending session) then counts per homeserver, under the same
    /// locks as the global key.
    /// </summary>
    private async Task<string> HashAsync(string phoneNumber, CancellationToken cancellationToken)
    {
        var hash = await hasher.HashAsync(phoneNumber, cancellationToken);
        return options.CurrentValue.LimitScope == SmsLimitScope.PerHomeserver && Homeserver.HomeserverIdentity.CurrentName is { } name
            ? ScopedHash(hash, name)
            : hash;
    }

    internal static string ScopedHash(string phoneHash, string homeserver) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(phoneHash + "\n" + homeserver)));

    public async Task<SmsResult<SendCodeResult>> SendCodeAsync(SendCodeCommand command, CancellationToken cancellationToken)
    {
        if (!PhoneNumber.IsValid(command.PhoneNumber))
        {
            return SmsError.InvalidPhoneNumber;
        }

        if (command.Pubky is not null && !ZBase32.TryDecodePublicKey(command.Pubky, out _))
        {
            return SmsError.InvalidPubky;
        }

        if (command.DispatchId is { Length: > MaxDispatchIdLength })
        {
            return SmsError.InvalidRequest;
        }

        var settings = options.CurrentValue;
        var phone = command.PhoneNumber!;
        string hash;
        try
        {
            hash = await HashAsync(phone, cancellationToken);
        }
        catch (SmsBusyException)
        {
            return SmsError.Busy;
        }

        var tag = Short(hash);

        var limits = LimitsFor(phone, settings);
        if (limits is not null)
        {
            var check = await repository.CheckLimitsAsync(hash, time.GetUtcNow(), limits, cancellationToken);
            if (check.Exceeded is { } kind)
            {
                LogLimited(tag, kind);
                return LimitFailure(check);
            }
        }

        var cap = await sendCaps.ReserveSendAsync(hash, command.Pubky, Homeserver.HomeserverIdentity.CurrentName, time.GetUtcNow(), settings.MaxCodeSendsPerHour, settings.FailedAttemptsWindow, cancellationToken);
        switch (cap.Cap)
        {
            case SendCap.TooManyAttempts:
                LogSendRefused(tag, cap.Cap);
                return new SmsFailure(SmsError.TooManyAttempts, cap.RetryAfter);
            case SendCap.VerificationPending:
                LogSendRefused(tag, cap.Cap);
                return SmsError.VerificationPending;
            case SendCap.RateLimited:
                LogSendRefused(tag, cap.Cap);
                return new SmsFailure(SmsError.RateLimited, cap.RetryAfter);
        }

        PreludeCreateResult created;
        try
        {
            created = await prelude.CreateAsync(phone, command.Signals, command.DispatchId, cancellationToken);
        }
        catch (PreludeRateLimitedException e)
        {
            return new SmsFailure(SmsError.RateLimited, e.RetryAfter ?? DefaultRetryAfter);
        }
        catch (PreludeInvalidPhoneNumberException)
        {
            return SmsError.InvalidPhoneNumber;
        }
        catch (PreludeUnavailableException)
        {
            return SmsError.ProviderUnavailable;
        }

        switch (created.Status)
        {
            case PreludeCreateStatus.Blocked:
                var reason = created.Reason ?? "none";
                LogBlocked(tag, reason);
                return SmsError.PhoneBlocked;
            case PreludeCreateStatus.Challenged or PreludeCreateStatus.Unknown:
                // Nothing was sent, and homegate cannot answer a challenge.
                var notSent = created.Status;
                LogNotSent(tag, notSent);
                return SmsError.ProviderUnavailable;
        }

        // success, retry, and shadow_blocked (Prelude's choice to look like success to a fraudster).
        var now = time.GetUtcNow();
        var opened = await repository.OpenSessionAsync(hash, created.Id, command.Pubky, Homeserver.HomeserverIdentity.CurrentName, now, now + settings.SessionLifetime, cancellationToken);
        if (opened.Conflict)
        {
            // A concurrent send_code bound the session to another pubky after our early check.
            LogSendRefused(tag, SendCap.VerificationPending);
            return SmsError.VerificationPending;
        }

        LogCodeSent(tag, opened.Reused);
        if (!opened.Reused)
        {
            metrics?.VerificationStarted(PermitMethods.Sms);
        }

        // Without the status endpoint, nothing may tell a stranger that a code is pending (API.md §4).
        return new SendCodeResult(settings.StatusEndpoint && opened.Reused);
    }

    public async Task<SmsResult<VerifyCodeResult>> VerifyCodeAsync(string? phoneNumber, string? code, CancellationToken cancellationToken)
    {
        if (!PhoneNumber.IsValid(phoneNumber))
        {
            return SmsError.InvalidPhoneNumber;
        }

        if (code is null || !CodeFormat().IsMatch(code))
        {
            return SmsError.InvalidCode;
        }

        var settings = options.CurrentValue;
        var result = await CheckCodeAsync(phoneNumber!, code, settings, cancellationToken);

        // Without the status endpoint, "nothing pending" and "expired" look like a wrong code: a
        // stranger probing a number with made-up codes learns nothing (docs/security.md).
        return result.Failure is { Error: SmsError.NoPendingVerification or SmsError.VerificationExpired } && !settings.StatusEndpoint
            ? SmsError.InvalidCode
            : result;
    }

    private async Task<SmsResult<VerifyCodeResult>> CheckCodeAsync(string phoneNumber, string code, SmsOptions settings, CancellationToken cancellationToken)
    {
        string hash;
        try
        {
            hash = await HashAsync(phoneNumber, cancellationToken);
        }
        catch (SmsBusyException)
        {
            return SmsError.Busy;
        }

        var tag = Short(hash);

        var session = await repository.GetPendingAsync(hash, Homeserver.HomeserverIdentity.CurrentName, cancellationToken);
        if (session is null)
        {
            return SmsError.NoPendingVerification;
        }

        if (session.ExpiresAtUtc <= time.GetUtcNow())
        {
            await repository.EndAsync(session.Id, SessionEnd.Expired, cancellationToken);
            metrics?.VerificationFailed(PermitMethods.Sms);
            return SmsError.VerificationExpired;
        }

        if (!await repository.TryReserveAttemptAsync(session.Id, settings.MaxFailedAttempts, cancellationToken))
        {
            // Either the cap is reached (burn it now: this attempt is refused, later ones find
            // nothing pending) or a concurrent request ended the session.
            if (await repository.BurnAsync(session.Id, hash, time.GetUtcNow(), cancellationToken))
            {
                LogBurned(tag);
                metrics?.VerificationFailed(PermitMethods.Sms);
                return new SmsFailure(SmsError.TooManyAttempts, settings.FailedAttemptsWindow);
            }

            return SmsError.NoPendingVerification;
        }

        PreludeCheckStatus status;
        try
        {
            status = await prelude.CheckAsync(phoneNumber, code, cancellationToken);
        }
        catch (PreludeException e)
        {
            // Prelude never judged the code: the attempt does not count.
            await repository.RefundAttemptAsync(session.Id, cancellationToken);
            return e is PreludeRateLimitedException limited
                ? new SmsFailure(SmsError.RateLimited, limited.RetryAfter ?? DefaultRetryAfter)
                : SmsError.ProviderUnavailable;
        }

        switch (status)
        {
            case PreludeCheckStatus.Failure:
                LogWrongCode(tag);
                return SmsError.InvalidCode;
            case PreludeCheckStatus.ExpiredOrNotFound:
                await repository.EndAsync(session.Id, SessionEnd.Expired, cancellationToken);
                metrics?.VerificationFailed(PermitMethods.Sms);
                return SmsError.VerificationExpired;
        }

        var outcome = await repository.CompleteAsync(
            hash,
            session.Id,
            time.GetUtcNow(),
            LimitsFor(phoneNumber, settings),
            (id, subject) => permits.Issue("sms:" + id.ToString("D"), PermitMethods.Sms, subject),
            cancellationToken);
        if (outcome.Limited is { } limitedCheck)
        {
            var limit = limitedCheck.Exceeded!.Value;
            LogLimited(tag, limit);
            metrics?.VerificationFailed(PermitMethods.Sms);
            return LimitFailure(limitedCheck);
        }

        if (outcome.Permit is not { } permit)
        {
            return SmsError.NoPendingVerification;
        }

        // Stored right after the completion: should this fail, the permit is lost with the answer
        // (a 503), like a completion whose answer never reaches the client.
        var signupCode = await codes.IssueAsync(permit.Claims, cancellationToken);
        LogVerified(tag);
        metrics?.VerificationCompleted(PermitMethods.Sms);
        metrics?.PermitIssued(PermitMethods.Sms);
        return new VerifyCodeResult(permit.Token, signupCode, permit.Claims.Audience, permit.Claims.Expires);
    }

    public async Task<SmsResult<SmsStatusResult>> GetStatusAsync(string? phoneNumber, CancellationToken cancellationToken)
    {
        if (!PhoneNumber.IsValid(phoneNumber))
        {
            return SmsError.InvalidPhoneNumber;
        }

        string hash;
        try
        {
            hash = await HashAsync(phoneNumber!, cancellationToken);
        }
        catch (SmsBusyException)
        {
            return SmsError.Busy;
        }

        var (verifiedAt, pending) = await repository.GetStatusAsync(hash, time.GetUtcNow(), cancellationToken);
        if (verifiedAt is not null)
        {
            return new SmsStatusResult(Verified: true, verifiedAt);
        }

        return pending ? new SmsStatusResult(Verified: false, null) : SmsError.NotVerified;
    }

    private static SmsLimits? LimitsFor(string phoneNumber, SmsOptions settings)
        => settings.Whitelist.Contains(phoneNumber)
            ? null
            : new SmsLimits(settings.MaxVerificationsPerWeek, settings.MaxVerificationsPerYear);

    private static SmsFailure LimitFailure(LimitCheck check)
        => new(check.Exceeded == LimitKind.Weekly ? SmsError.WeeklyLimitExceeded : SmsError.AnnualLimitExceeded, check.RetryAfter);

    // A correlation handle for logs: the hash is already one-way, its prefix even more so.
    private static string Short(string hash) => hash[..8];

    // Prelude sends 4 to 8 digits depending on the template; anything else cannot be right.
    [GeneratedRegex("^[0-9]{4,10}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CodeFormat();

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "SMS code sent for phone {PhoneHash} (session reused: {Reused})")]
    private partial void LogCodeSent(string phoneHash, bool reused);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "SMS verification completed for phone {PhoneHash}")]
    private partial void LogVerified(string phoneHash);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Wrong SMS code for phone {PhoneHash}")]
    private partial void LogWrongCode(string phoneHash);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "SMS session for phone {PhoneHash} burned after too many wrong codes")]
    private partial void LogBurned(string phoneHash);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "SMS {Limit} limit reached for phone {PhoneHash}")]
    private partial void LogLimited(string phoneHash, LimitKind limit);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Information, Message = "Prelude blocked phone {PhoneHash} (reason {Reason})")]
    private partial void LogBlocked(string phoneHash, string reason);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Information, Message = "send_code refused for phone {PhoneHash} ({Cap})")]
    private partial void LogSendRefused(string phoneHash, SendCap cap);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Prelude did not send a code for phone {PhoneHash} (status {Status})")]
    private partial void LogNotSent(string phoneHash, PreludeCreateStatus status);
}
