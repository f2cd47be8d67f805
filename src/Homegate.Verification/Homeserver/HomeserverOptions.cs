namespace Homegate.Verification.Homeserver;

/// <summary>How homegate reaches the homeserver it guards (config section <c>Homegate:Homeserver</c>).</summary>
public sealed class HomeserverOptions
{
    public const string Section = "Homegate:Homeserver";

    /// <summary>Base URL of the homeserver's private admin API, e.g. <c>http://127.0.0.1:6288</c>. Required
    /// in <see cref="SignupMode.TokenRequired"/> mode and whenever <see cref="PublicKey"/> is not set.</summary>
    public Uri? AdminUrl { get; set; }

    /// <summary>The admin API password, sent as <c>X-Admin-Password</c>. Never logged.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Whether the homeserver needs a signup token. Default <see cref="SignupMode.TokenRequired"/>.</summary>
    public SignupMode SignupMode { get; set; } = SignupMode.TokenRequired;

    /// <summary>The homeserver's z-base-32 public key (the permit audience). Default: read from
    /// <c>GET {AdminUrl}/info</c> at start.</summary>
    public string? PublicKey { get; set; }

    /// <summary>Timeout of one admin API call. Default 10 seconds.</summary>
    public TimeSpan AdminTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>serve</c> keeps trying to read the public key from the admin API at start
    /// (the homeserver may start after homegate). Default 30 seconds.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The homeserver's <c>signup_mode</c>.</summary>
public enum SignupMode
{
    /// <summary>The homeserver requires a signup token; homegate mints one per permit via the admin API.</summary>
    TokenRequired,

    /// <summary>The homeserver accepts signups without a token; homegate strips <c>signup_token</c>.</summary>
    Open,
}
