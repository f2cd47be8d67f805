namespace Homegate.Verification.Homeserver;

/// <summary>How homegate reaches a homeserver it guards: config section <c>Homegate:Homeserver</c> (the
/// one-homeserver shorthand, named <c>default</c>) or each <c>Homegate:Homeservers:&lt;name&gt;</c>.</summary>
public sealed class HomeserverOptions
{
    public const string Section = "Homegate:Homeserver";

    /// <summary>The section of several homeservers, one child per name.</summary>
    public const string SharedSection = "Homegate:Homeservers";

    /// <summary>Host names this homeserver is reached at (several homeservers only; required, unique).</summary>
    public string[] Hosts { get; set; } = [];

    /// <summary>Its client API, e.g. <c>http://10.0.0.5:6286/</c> (several homeservers only; the shorthand
    /// uses the <c>ReverseProxy</c> cluster <c>homeserver</c>).</summary>
    public Uri? Upstream { get; set; }

    /// <summary>Which verifications the endpoints (and the page) offer on its hosts. Default: all
    /// (<c>Sms</c>, <c>Lightning</c>), each still subject to being enabled globally.</summary>
    public string[]? Verifications { get; set; }

    /// <summary>Its own Lightning price (<c>DefaultAmountSat</c>, <c>MinAmountSat</c>); unset values
    /// fall back to <c>Homegate:Lightning</c>.</summary>
    public HomeserverLightningOptions Lightning { get; set; } = new();

    /// <summary>Its page branding (<c>Title</c>, <c>OperatorName</c>, <c>LogoUrl</c>, <c>AccentColor</c>,
    /// <c>TermsUrl</c>); unset values fall back to <c>Homegate:Page</c>.</summary>
    public Dictionary<string, string> Page { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Defaults of <c>homegate invite --homeserver</c> for it (several homeservers only).</summary>
    public HomeserverInvitationOptions Invitations { get; set; } = new();

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

/// <summary>A homeserver's defaults for <c>homegate invite --homeserver &lt;name&gt;</c>.</summary>
public sealed class HomeserverInvitationOptions
{
    /// <summary>Where its people reach homegate: <c>--format url</c> prints <c>&lt;PublicUrl&gt;/invite/&lt;code&gt;</c>.
    /// Its host must be one of the homeserver's <c>Hosts</c> (the landing page shows the homeserver of the host
    /// it is opened on). Default: <c>https://&lt;its first host&gt;</c>.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>How long its invitations stay valid when <c>--lifetime</c> is not given. Default 7 days.</summary>
    public TimeSpan? Lifetime { get; set; }
}

/// <summary>A homeserver's own Lightning price.</summary>
public sealed class HomeserverLightningOptions
{
    public long? DefaultAmountSat { get; set; }

    public long? MinAmountSat { get; set; }
}
