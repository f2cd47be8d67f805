namespace Homegate.Verification.Homeserver;

/// <summary>
/// The homeserver this homegate guards: its z-base-32 public key is the permit audience. Set once at
/// start, from <c>Homegate:Homeserver:PublicKey</c> or the admin API's <c>GET /info</c>.
/// </summary>
public sealed class HomeserverIdentity
{
    private string? _publicKey;

    public HomeserverIdentity()
    {
    }

    public HomeserverIdentity(string publicKey) => PublicKey = publicKey;

    public bool IsKnown => _publicKey is not null;

    /// <summary>The homeserver's public key (z-base-32, 52 characters).</summary>
    public string PublicKey
    {
        get => _publicKey ?? throw new InvalidOperationException("The homeserver public key has not been resolved yet.");
        set
        {
            if (!Crypto.ZBase32.TryDecodePublicKey(value, out _))
            {
                throw new ArgumentException("Not a z-base-32 Ed25519 public key (52 characters).", nameof(value));
            }

            _publicKey = value;
        }
    }
}
