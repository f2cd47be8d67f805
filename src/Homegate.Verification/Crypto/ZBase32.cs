namespace Homegate.Verification.Crypto;

/// <summary>
/// z-base-32 as Pubky writes keys: alphabet <c>ybndrfg8ejkmcpqxot1uwisza345h769</c>, bits taken
/// most-significant first, no padding (32 bytes → 52 characters).
/// </summary>
public static class ZBase32
{
    private const string Alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
    private static readonly sbyte[] Reverse = BuildReverse();

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, i = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[i++] = Alphabet[(buffer >> bits) & 31];
            }
        }

        if (bits > 0)
        {
            chars[i++] = Alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(chars, 0, i);
    }

    /// <summary>
    /// Decodes exactly <paramref name="output"/>.Length bytes. Fails on characters outside the
    /// alphabet (upper case included), on a length that does not match, or on non-zero pad bits.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> output)
    {
        if (text.Length != (output.Length * 8 + 4) / 5)
        {
            return false;
        }

        int buffer = 0, bits = 0, o = 0;
        foreach (var c in text)
        {
            var v = c < 128 ? Reverse[c] : (sbyte)-1;
            if (v < 0)
            {
                return false;
            }

            buffer = ((buffer << 5) | (byte)v) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output[o++] = (byte)(buffer >> bits);
            }
        }

        return (buffer & ((1 << bits) - 1)) == 0;
    }

    /// <summary>Decodes a 52-character Pubky public key into its 32 raw bytes.</summary>
    public static bool TryDecodePublicKey(ReadOnlySpan<char> text, out byte[] key)
    {
        key = new byte[32];
        if (TryDecode(text, key))
        {
            return true;
        }

        key = [];
        return false;
    }

    private static sbyte[] BuildReverse()
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            table[Alphabet[i]] = (sbyte)i;
        }

        return table;
    }
}
