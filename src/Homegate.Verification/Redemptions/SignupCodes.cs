using System.Security.Cryptography;

namespace Homegate.Verification.Redemptions;

/// <summary>
/// The signup code format: <c>XXXX-XXXX-XXXX</c>, 12 characters of Crockford base32 (digits and upper-case
/// letters without I, L, O, U), 5 bits each: 60 random bits. This is also the homeserver's own invite-code
/// shape, the only one Pubky Ring and pubky.app accept.
/// </summary>
public static class SignupCodes
{
    /// <summary>Length of a code with its two dashes.</summary>
    public const int Length = 14;

    internal const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new code from 60 bits of the system CSPRNG.</summary>
    public static string Generate()
    {
        Span<char> symbols = stackalloc char[12];
        RandomNumberGenerator.GetItems(Alphabet, symbols);
        return Format(symbols);
    }

    /// <summary>A code made of the first 60 bits of <paramref name="bits"/> (at least 8 bytes).</summary>
    internal static string FromBits(ReadOnlySpan<byte> bits)
    {
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bits) >> 4;
        Span<char> symbols = stackalloc char[12];
        for (var i = 11; i >= 0; i--)
        {
            symbols[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return Format(symbols);
    }

    /// <summary>
    /// True when <paramref name="value"/>, trimmed, has the homeserver's code shape
    /// (<c>^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$</c>), whoever issued it.
    /// </summary>
    public static bool HasCodeShape(string? value)
    {
        var span = value.AsSpan().Trim();
        if (span.Length != Length)
        {
            return false;
        }

        for (var i = 0; i < Length; i++)
        {
            var ok = i is 4 or 9 ? span[i] == '-' : char.IsAsciiLetterOrDigit(span[i]);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The canonical spelling of a code-shaped value: upper case, and Crockford's read-alikes folded
    /// (I and L read as 1, O as 0). False when it is not code-shaped or holds a U: then it cannot be ours.
    /// </summary>
    public static bool TryCanonicalize(string? value, out string canonical)
    {
        canonical = "";
        if (!HasCodeShape(value))
        {
            return false;
        }

        var span = value.AsSpan().Trim();
        Span<char> result = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            var c = char.ToUpperInvariant(span[i]);
            c = c switch
            {
                'I' or 'L' => '1',
                'O' => '0',
                _ => c,
            };
            if (c == 'U')
            {
                return false;
            }

            result[i] = c;
        }

        canonical = new string(result);
        return true;
    }

    private static string Format(ReadOnlySpan<char> symbols) =>
        string.Create(Length, symbols.ToArray(), static (span, s) =>
        {
            s.AsSpan(0, 4).CopyTo(span);
            span[4] = '-';
            s.AsSpan(4, 4).CopyTo(span[5..]);
            span[9] = '-';
            s.AsSpan(8, 4).CopyTo(span[10..]);
        });
}
