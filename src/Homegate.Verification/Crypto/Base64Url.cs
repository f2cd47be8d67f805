using System.Buffers.Text;

namespace Homegate.Verification.Crypto;

/// <summary>Base64url without padding (RFC 4648 §5), strict: padding and other alphabets are rejected.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        foreach (var c in text)
        {
            // The framework decoder tolerates '=' padding and whitespace; PASETO forbids both.
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }

        if (text.Length % 4 == 1)
        {
            return false;
        }

        var buffer = new byte[System.Buffers.Text.Base64Url.GetMaxDecodedLength(text.Length)];
        int written;
        try
        {
            if (!System.Buffers.Text.Base64Url.TryDecodeFromChars(text, buffer, out written))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            // Despite its name, TryDecodeFromChars throws on some invalid input (e.g. "eW": non-zero trailing bits).
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer[..written];

        // Reject non-canonical encodings (non-zero trailing bits), so one byte string has one text.
        if (!System.Buffers.Text.Base64Url.EncodeToString(bytes).AsSpan().SequenceEqual(text))
        {
            bytes = [];
            return false;
        }

        return true;
    }
}
