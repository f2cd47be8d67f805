using System.Globalization;
using System.Text;

namespace Homegate.Verification.Lightning;

/// <summary>What may go into an invoice description: 1 to 128 printable characters on one line.</summary>
internal static class InvoiceDescription
{
    public const int MaxLength = 128;

    public static bool IsValid(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            // Control, format (bidi overrides, zero-width), line/paragraph separators, unpaired surrogates.
            var category = Rune.GetUnicodeCategory(rune);
            if (rune == Rune.ReplacementChar
                || category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                    or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                    or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }
        }

        return true;
    }
}
