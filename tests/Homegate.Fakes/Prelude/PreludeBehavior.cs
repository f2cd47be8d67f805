namespace Homegate.Fakes.Prelude;

/// <summary>How <see cref="FakePrelude"/> treats one phone number.</summary>
public enum PreludeBehavior
{
    /// <summary>Like Prelude: create opens a window (success) or resends in it (retry); check compares the code.</summary>
    Normal,

    /// <summary>Create always answers <c>retry</c> (a code is still generated, once per window).</summary>
    Retry,

    /// <summary>Create answers <c>blocked</c> (reason <c>in_block_list</c>); nothing is sent.</summary>
    Blocked,

    /// <summary>Create answers <c>shadow_blocked</c>; nothing is sent, no code exists.</summary>
    ShadowBlocked,

    /// <summary>Create works normally; check always answers <c>failure</c>, even for the right code.</summary>
    Failure,

    /// <summary>Create works normally; check always answers <c>expired_or_not_found</c>.</summary>
    Expired,

    /// <summary>Both endpoints answer 503 (kept here: a check test needs it between two real answers).</summary>
    ServerError,
}

/// <summary>A request the fake received. <see cref="Code"/> is the code a check carried.</summary>
public sealed record FakePreludeRequest(
    string Path,
    bool Authorized,
    string? PhoneNumber,
    string? Ip,
    string? UserAgent,
    string? DispatchId,
    string? Code,
    DateTimeOffset ReceivedAt);
