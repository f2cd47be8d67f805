namespace Homegate.Verification.Sms;

/// <summary>Why an SMS request failed; the endpoint maps each to a status and problem code.</summary>
internal enum SmsError
{
    InvalidRequest,
    InvalidPhoneNumber,
    InvalidPubky,
    InvalidCode,
    PhoneBlocked,
    WeeklyLimitExceeded,
    AnnualLimitExceeded,
    RateLimited,
    TooManyAttempts,
    NoPendingVerification,
    VerificationPending,
    VerificationExpired,
    NotVerified,
    ProviderUnavailable,
    Busy,
}

internal sealed record SmsFailure(SmsError Error, TimeSpan? RetryAfter = null);

/// <summary>A value or a failure.</summary>
internal readonly struct SmsResult<T>
    where T : class
{
    private SmsResult(T? value, SmsFailure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public SmsFailure? Failure { get; }

    public static implicit operator SmsResult<T>(T value) => new(value, null);

    public static implicit operator SmsResult<T>(SmsFailure failure) => new(null, failure);

    public static implicit operator SmsResult<T>(SmsError error) => new(null, new SmsFailure(error));
}

internal sealed record SendCodeCommand(string? PhoneNumber, string? Pubky, string? DispatchId, PreludeSignals Signals);

internal sealed record SendCodeResult(bool SessionReused);

internal sealed record VerifyCodeResult(string Permit, string SignupCode, string HomeserverPubky, DateTimeOffset ExpiresAt);

internal sealed record SmsStatusResult(bool Verified, DateTimeOffset? VerifiedAt);
