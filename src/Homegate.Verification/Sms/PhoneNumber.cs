using System.Text.RegularExpressions;

namespace Homegate.Verification.Sms;

/// <summary>E.164 phone numbers as API.md §4 accepts them: <c>^\+[1-9]\d{1,14}$</c>, nothing else.</summary>
public static partial class PhoneNumber
{
    /// <summary>True for a strict E.164 string (no spaces, no separators, ASCII digits only).</summary>
    public static bool IsValid(string? value) => value is not null && E164().IsMatch(value);

    // [0-9], not \d, which admits other scripts' digits; \z, not $, which admits a trailing newline.
    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}\z", RegexOptions.CultureInvariant)]
    private static partial Regex E164();
}
