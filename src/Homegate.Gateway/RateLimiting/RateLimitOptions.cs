namespace Homegate.Gateway.RateLimiting;

/// <summary>Per-client-IP rate limits (config section <c>Homegate:RateLimits</c>), reloaded on change.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Homegate:RateLimits";

    /// <summary>Policies by name: <c>signup</c>, <c>sms-send</c>, <c>sms-verify</c>, <c>sms-status</c>,
    /// <c>ln-create</c>, <c>ln-read</c>, <c>code-guess</c> (unknown signup codes only), <c>page</c>. A policy missing from the file keeps its built-in default.</summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Built-in defaults: generous for people, tight for scripts.</summary>
    public static readonly IReadOnlyDictionary<string, RateLimitPolicyOptions> Defaults = new Dictionary<string, RateLimitPolicyOptions>(StringComparer.OrdinalIgnoreCase)
    {
        ["signup"] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) },
        ["sms-send"] = new() { PermitLimit = 5, Window = TimeSpan.FromMinutes(10) },
        ["sms-verify"] = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(10) },
        ["sms-status"] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(10) },
        ["ln-create"] = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(1) },
        ["ln-read"] = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1) },
        ["code-guess"] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(10) },
        ["page"] = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) },
    };

    public RateLimitPolicyOptions Get(string policy) =>
        Policies.TryGetValue(policy, out var configured) ? configured : Defaults[policy];

    /// <summary>Problems with the policies, each naming its key; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (name, policy) in Policies)
        {
            if (!Defaults.ContainsKey(name))
            {
                yield return $"{Section}:Policies:{name} is not a known policy ({string.Join(", ", Defaults.Keys)}).";
            }

            if (policy.PermitLimit < 1)
            {
                yield return $"{Section}:Policies:{name}:PermitLimit must be at least 1.";
            }

            if (policy.Window <= TimeSpan.Zero || policy.Window > TimeSpan.FromDays(1))
            {
                yield return $"{Section}:Policies:{name}:Window must be between 00:00:00.001 and 1.00:00:00.";
            }
        }
    }
}

/// <summary>A fixed-window limit per client IP.</summary>
internal sealed class RateLimitPolicyOptions
{
    /// <summary>Requests allowed per window and client IP.</summary>
    public int PermitLimit { get; set; } = 10;

    /// <summary>The window, e.g. <c>00:01:00</c>.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
