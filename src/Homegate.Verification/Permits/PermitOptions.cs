namespace Homegate.Verification.Permits;

/// <summary>Signup permits, bound from <c>Homegate:Permits</c>.</summary>
public sealed class PermitOptions
{
    public const string SectionName = "Homegate:Permits";

    /// <summary>The <c>iss</c> claim written into permits and required of every permit verified. Default <c>homegate</c>.</summary>
    public string Issuer { get; set; } = "homegate";

    /// <summary>How long an issued permit is valid (<c>exp − iat</c>), a TimeSpan. Default <c>00:15:00</c> (15 minutes).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Extra verify-only public keys (<c>k4.public.…</c> PASERK strings) whose permits the gate accepts,
    /// e.g. another homegate instance's key during a rotation. Default empty.
    /// </summary>
    public IList<string> TrustedKeys { get; } = new List<string>();
}
