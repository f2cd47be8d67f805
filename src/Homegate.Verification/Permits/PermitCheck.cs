namespace Homegate.Verification.Permits;

/// <summary>Why a permit was refused; each maps to one problem code at the gate.</summary>
public enum PermitFailure
{
    /// <summary>The permit is valid.</summary>
    None,

    /// <summary>Malformed, bad signature, unknown kid, bad claims or wrong issuer (<c>permit-invalid</c>).</summary>
    Invalid,

    /// <summary>Outside <c>nbf</c>/<c>exp</c> beyond the allowed skew (<c>permit-expired</c>).</summary>
    Expired,

    /// <summary>Issued for another homeserver (<c>permit-wrong-audience</c>).</summary>
    WrongAudience,
}

/// <summary>The outcome of <see cref="PermitVerifier.Verify"/>: claims are present once the signature and claims parsed.</summary>
public readonly record struct PermitCheck(PermitFailure Failure, PermitClaims? Claims)
{
    public bool IsValid => Failure == PermitFailure.None;

    internal static PermitCheck Invalid => new(PermitFailure.Invalid, null);
}
