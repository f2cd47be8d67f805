namespace Homegate.Fakes.Pubky;

/// <summary>
/// Homeserver signup tokens: 7 random bytes in Crockford base32, upper case, a hyphen every 4
/// characters (<c>JZY0-D6MY-ZFNG</c>).
/// </summary>
public static class SignupTokens
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[7];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        var chars = new List<char>(14);
        int buffer = 0, bits = 0, count = 0;
        void Emit(int v)
        {
            if (count > 0 && count % 4 == 0)
            {
                chars.Add('-');
            }

            chars.Add(Crockford[v & 31]);
            count++;
        }

        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                Emit(buffer >> bits);
            }
        }

        if (bits > 0)
        {
            Emit(buffer << (5 - bits));
        }

        return new string([.. chars]);
    }

    /// <summary>
    /// The homeserver's format check: 14 characters whose non-hyphen characters decode as Crockford
    /// base32 (case-insensitive; I, L and O are accepted as aliases, U is not).
    /// </summary>
    public static bool IsValidFormat(string? value)
    {
        if (value is not { Length: 14 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c == '-')
            {
                continue;
            }

            var u = char.ToUpperInvariant(c);
            if (!(Crockford.Contains(u, StringComparison.Ordinal) || u is 'I' or 'L' or 'O'))
            {
                return false;
            }
        }

        return true;
    }
}
