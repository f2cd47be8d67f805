using Homegate.Fakes.Pubky;

namespace Homegate.Fakes.Homeserver;

/// <summary>How the fake homeserver decides who may sign up (pubky <c>signup_mode</c>).</summary>
public enum FakeSignupMode
{
    /// <summary><c>token_required</c>: a valid, unused admin-minted signup token is needed.</summary>
    TokenRequired,

    /// <summary><c>open</c>: anyone may sign up (a malformed <c>signup_token</c> is still a 400).</summary>
    Open,
}

/// <summary>Settings of a <see cref="FakeHomeserver"/>.</summary>
public sealed class FakeHomeserverOptions
{
    /// <summary>Password expected in <c>X-Admin-Password</c>. Default: 24 random characters.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Signup mode. Default <see cref="FakeSignupMode.TokenRequired"/>.</summary>
    public FakeSignupMode SignupMode { get; set; } = FakeSignupMode.TokenRequired;

    /// <summary>TCP port of the client API on 127.0.0.1. Default 0 (an ephemeral port).</summary>
    public int ClientPort { get; set; }

    /// <summary>TCP port of the admin API on 127.0.0.1. Default 0 (an ephemeral port).</summary>
    public int AdminPort { get; set; }

    /// <summary>Time between two events of <c>GET /events-stream</c>. Default 100 ms.</summary>
    public TimeSpan EventInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Clock for the AuthToken window (±180 s) and grant expiry. Default the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Answer CORS like the real client API (tower-http's very permissive layer: the Origin is
    /// echoed with credentials allowed, preflights answered 200). Default false, so tests can tell
    /// headers homegate adds from headers the homeserver sends.</summary>
    public bool Cors { get; set; }

    /// <summary>The homeserver's own key (its z32 is the permit audience). Default: a random key.</summary>
    public UserKey? ServerKey { get; set; }
}
