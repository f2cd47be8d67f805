using System.Globalization;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Lightning;

/// <summary>Lightning verification through PhoenixD: configuration section <c>Homegate:Lightning</c>.</summary>
public sealed class LightningOptions
{
    public const string SectionName = "Homegate:Lightning";

    /// <summary>Whether the feature runs. Default: true when <see cref="BaseUrl"/> is set.</summary>
    public bool? Enabled { get; set; }

    /// <summary>PhoenixD's HTTP API, e.g. <c>http://127.0.0.1:9740</c>. No default.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>PhoenixD's <c>http-password</c> (or limited-access password), sent as HTTP Basic. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Invoice amount when the client names none, in satoshis. Default 1000.</summary>
    public long DefaultAmountSat { get; set; } = 1000;

    /// <summary>
    /// Smallest amount a client may ask for, in satoshis. Default: <see cref="DefaultAmountSat"/>, so
    /// the price is the operator's (a client may pay more, never less).
    /// </summary>
    public long? MinAmountSat { get; set; }

    /// <summary>Largest amount a client may ask for, in satoshis. Default 1,000,000.</summary>
    public long MaxAmountSat { get; set; } = 1_000_000;

    /// <summary>Invoice lifetime, in seconds. Default 600.</summary>
    public int InvoiceExpirySeconds { get; set; } = 600;

    /// <summary>
    /// Invoice description (at most 128 printable characters, one line). Used for every invoice unless
    /// <see cref="AllowClientDescription"/> is on and the client gives one. Default "Homeserver signup verification".
    /// </summary>
    public string Description { get; set; } = "Homeserver signup verification";

    /// <summary>
    /// Whether a client's <c>description</c> goes into the invoice (the operator's node signs it). Off:
    /// a client description is ignored and <see cref="Description"/> is used. Default false.
    /// </summary>
    public bool AllowClientDescription { get; set; }

    /// <summary>How long <c>GET /ln_verification/{id}/await</c> holds a pending request, in seconds. Default 30.</summary>
    public int AwaitTimeoutSeconds { get; set; } = 30;

    /// <summary>Timeout of each HTTP request to PhoenixD. Default 00:00:10.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the watcher reconciles pending invoices over HTTP (also done after every reconnect). Default 00:00:30.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fixed delay before reopening the PhoenixD WebSocket after it dropped or a connect failed
    /// (one socket per cluster, so no backoff is needed). Default 00:00:01.
    /// </summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// WebSocket keep-alive: a ping is sent this often and the socket is dropped when no pong comes
    /// back within the same time, so a stalled connection is noticed. Default 00:00:15.
    /// </summary>
    public TimeSpan SocketKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an instance that does not hold the PhoenixD socket tries to take it over, and how often the holder checks its lock connection. Default 00:00:05.</summary>
    public TimeSpan LeaderRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay before reopening the LISTEN connection after it dropped. Default 00:00:01.</summary>
    public TimeSpan ListenReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many payment events are confirmed with PhoenixD in parallel. Default 16.</summary>
    public int ConfirmConcurrency { get; set; } = 16;

    public bool IsEnabled => Enabled ?? BaseUrl is not null;

    /// <summary>The effective lower bound: <see cref="MinAmountSat"/> if set, else <see cref="DefaultAmountSat"/>.</summary>
    public long EffectiveMinAmountSat => MinAmountSat ?? DefaultAmountSat;

    internal TimeSpan InvoiceExpiry => TimeSpan.FromSeconds(InvoiceExpirySeconds);

    internal TimeSpan AwaitTimeout => TimeSpan.FromSeconds(AwaitTimeoutSeconds);
}

internal sealed class LightningOptionsValidator : IValidateOptions<LightningOptions>
{
    public ValidateOptionsResult Validate(string? name, LightningOptions options)
    {
        if (!options.IsEnabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        void Require(bool ok, string key, string message)
        {
            if (!ok)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{LightningOptions.SectionName}:{key} {message}"));
            }
        }

        Require(options.BaseUrl is { IsAbsoluteUri: true } u && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps), nameof(options.BaseUrl), "must be an absolute http(s) URL when Lightning is enabled.");
        Require(!string.IsNullOrEmpty(options.Password), nameof(options.Password), "must be set when Lightning is enabled.");
        var min = options.EffectiveMinAmountSat;
        Require(min >= 1, nameof(options.MinAmountSat), "must be at least 1.");
        Require(options.MaxAmountSat >= min, nameof(options.MaxAmountSat), "must be at least MinAmountSat.");
        Require(options.DefaultAmountSat >= min && options.DefaultAmountSat <= options.MaxAmountSat, nameof(options.DefaultAmountSat), "must be between MinAmountSat and MaxAmountSat.");
        Require(options.InvoiceExpirySeconds > 0, nameof(options.InvoiceExpirySeconds), "must be positive.");
        Require(InvoiceDescription.IsValid(options.Description), nameof(options.Description), "must be 1 to 128 printable characters on one line.");
        Require(options.AwaitTimeoutSeconds is > 0 and <= 300, nameof(options.AwaitTimeoutSeconds), "must be between 1 and 300.");
        Require(options.RequestTimeout > TimeSpan.Zero, nameof(options.RequestTimeout), "must be positive.");
        Require(options.ReconcileInterval > TimeSpan.Zero, nameof(options.ReconcileInterval), "must be positive.");
        Require(options.ReconnectDelay > TimeSpan.Zero, nameof(options.ReconnectDelay), "must be positive.");
        Require(options.SocketKeepAlive > TimeSpan.Zero, nameof(options.SocketKeepAlive), "must be positive.");
        Require(options.LeaderRetryInterval > TimeSpan.Zero, nameof(options.LeaderRetryInterval), "must be positive.");
        Require(options.ListenReconnectDelay > TimeSpan.Zero, nameof(options.ListenReconnectDelay), "must be positive.");
        Require(options.ConfirmConcurrency is > 0 and <= 256, nameof(options.ConfirmConcurrency), "must be between 1 and 256.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
