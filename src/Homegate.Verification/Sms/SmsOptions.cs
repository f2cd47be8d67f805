namespace Homegate.Verification.Sms;

/// <summary>SMS verification through Prelude: configuration section <c>Homegate:Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string SectionName = "Homegate:Sms";

    /// <summary>Whether the SMS endpoints answer. Default: true when <see cref="ApiKey"/> is set.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The Prelude API base address. Default <c>https://api.prelude.dev</c>.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.prelude.dev");

    /// <summary>The Prelude API key (sent as a bearer token). Required when SMS is enabled. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Completed verifications allowed per phone number in any rolling 7 days. Default 2.</summary>
    public int MaxVerificationsPerWeek { get; set; } = 2;

    /// <summary>Completed verifications allowed per phone number in any rolling 365 days. Default 4.</summary>
    public int MaxVerificationsPerYear { get; set; } = 4;

    /// <summary>Wrong codes a session tolerates; the next attempt burns it. Default 5.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>
    /// After a session is burned by wrong codes, how long the number gets no new code (and so no
    /// fresh guesses): send_code answers 429 <c>too-many-attempts</c> with <c>Retry-After</c>. The
    /// wrong-code cap is per number, not per session. Default 1 hour.
    /// </summary>
    public TimeSpan FailedAttemptsWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// send_code calls per phone number, from whatever addresses, that reach Prelude within any hour;
    /// beyond it 429 <c>rate-limited</c> with <c>Retry-After</c>. Applies to whitelisted numbers too. Default 5.
    /// </summary>
    public int MaxCodeSendsPerHour { get; set; } = 5;

    /// <summary>
    /// Whether <c>GET /sms_verification/status/{phoneNumber}</c> answers. When false it is 404 like an
    /// unknown route, and the other SMS answers stop telling whether a number has a pending code
    /// (docs/security.md). Default true.
    /// </summary>
    public bool StatusEndpoint { get; set; } = true;

    /// <summary>E.164 numbers exempt from the weekly and yearly limits. Default empty.</summary>
    public IList<string> Whitelist { get; } = [];

    /// <summary>Timeout of one Prelude request (connect to last byte). Default 10 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a pending session (code sent, not yet verified) stays usable; a repeated send_code
    /// extends it. Default 10 minutes, Prelude's code validity.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Phone hashes (Argon2id, 19 MiB each) computed at the same time. Default: the number of
    /// processors. Bounds the memory a flood of requests can take.
    /// </summary>
    public int HashConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Requests allowed to wait for a hash slot; beyond it they are answered 503 <c>busy</c> at once.
    /// Default 64.
    /// </summary>
    public int HashQueueLimit { get; set; } = 64;

    /// <summary>How often ended sessions and completions older than 365 days are deleted. Default 1 hour.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// With several homeservers: whether per-number limits and state (weekly and yearly limits, hourly
    /// sends, wrong-code cap, pending session) count across all homeservers (<see cref="SmsLimitScope.Global"/>,
    /// the default) or separately for each (<see cref="SmsLimitScope.PerHomeserver"/>).
    /// </summary>
    public SmsLimitScope LimitScope { get; set; } = SmsLimitScope.Global;

    /// <summary>The effective switch: <see cref="Enabled"/> if set, else whether an API key is configured.</summary>
    public bool IsEnabled => Enabled ?? !string.IsNullOrWhiteSpace(ApiKey);
}

/// <summary>How far per-number SMS limits reach when one homegate serves several homeservers.</summary>
public enum SmsLimitScope
{
    /// <summary>One count per phone number across all homeservers.</summary>
    Global,

    /// <summary>One count per phone number and homeserver.</summary>
    PerHomeserver,
}
