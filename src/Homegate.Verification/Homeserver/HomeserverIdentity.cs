namespace Homegate.Verification.Homeserver;

/// <summary>
/// A homeserver this homegate guards: its z-base-32 public key is the permit audience. Set once at
/// start, from <c>PublicKey</c> in its configuration or the admin API's <c>GET /info</c>.
/// <para>
/// With several homeservers (<c>Homegate:Homeservers</c>) each has its own identity, and the request's
/// host decides which one is <see cref="Current"/> for the rest of that request (permits issued,
/// audiences checked, limits scoped, metrics tagged). The registered singleton is then an identity of
/// no homeserver: code that runs outside a request of a known host issues nothing and admits nothing.
/// </para>
/// </summary>
public sealed class HomeserverIdentity
{
    /// <summary>The name of the one homeserver of the <c>Homegate:Homeserver</c> shorthand.</summary>
    public const string DefaultName = "default";

    private static readonly AsyncLocal<HomeserverIdentity?> Scoped = new();

    private string? _publicKey;
    private HomeserverLogScope? _logScope;

    public HomeserverIdentity()
    {
    }

    public HomeserverIdentity(string publicKey) => PublicKey = publicKey;

    /// <summary>The homeserver's configured name (<c>default</c> for the single-homeserver shorthand).</summary>
    public string Name { get; init; } = DefaultName;

    public bool IsKnown => _publicKey is not null;

    /// <summary>Its own Lightning price, if configured (several homeservers).</summary>
    public HomeserverLightningOptions? Lightning { get; set; }

    /// <summary>The homeserver's public key (z-base-32, 52 characters).</summary>
    public string PublicKey
    {
        get => _publicKey ?? throw new InvalidOperationException($"The public key of homeserver '{Name}' has not been resolved yet.");
        set
        {
            if (!Crypto.ZBase32.TryDecodePublicKey(value, out _))
            {
                throw new ArgumentException("Not a z-base-32 Ed25519 public key (52 characters).", nameof(value));
            }

            _publicKey = value;
        }
    }

    /// <summary>The identity of the homeserver the current request (or CLI command) is for, when one
    /// was entered with <see cref="Enter"/>; otherwise this one.</summary>
    public HomeserverIdentity Current => Scoped.Value ?? this;

    /// <summary>The name of the homeserver entered for the current flow, if any (metric and log label).</summary>
    public static string? CurrentName => Scoped.Value?.Name;

    /// <summary>The log scope of the homeserver entered for the current flow, if any: <c>Homeserver</c> = its name.</summary>
    public static HomeserverLogScope? CurrentLogScope => Scoped.Value?.LogScope;

    /// <summary>Its log scope (built once).</summary>
    public HomeserverLogScope LogScope => _logScope ??= new HomeserverLogScope(Name);

    /// <summary>The Lightning price of the homeserver entered for the current flow, if it has its own.</summary>
    public static HomeserverLightningOptions? CurrentLightning => Scoped.Value?.Lightning;

    /// <summary>Makes <paramref name="identity"/> the homeserver of the current asynchronous flow (the
    /// rest of the request that calls it; the caller's own flow is unaffected once an async method returns).</summary>
    public static void Enter(HomeserverIdentity? identity) => Scoped.Value = identity;
}
