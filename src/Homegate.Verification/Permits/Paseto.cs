using System.Buffers;
using System.Buffers.Binary;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Permits;

/// <summary>
/// PASETO v4.public (Ed25519): <c>v4.public.</c> + base64url(message ‖ signature) [+ <c>.</c> + base64url(footer)].
/// Parsing is strict: exact prefix, unpadded canonical base64url, no empty footer part, nothing after the footer.
/// </summary>
public static class Paseto
{
    private const string Header = "v4.public.";
    private const int SignatureBytes = Sodium.Ed25519SignatureBytes;

    // PAE input for the header piece: "v4.public." in ASCII.
    private static ReadOnlySpan<byte> HeaderBytes => "v4.public."u8;

    /// <summary>Signs <paramref name="message"/> with a 64-byte Ed25519 secret key (seed ‖ public key).</summary>
    public static string Sign(ReadOnlySpan<byte> secretKey64, ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion)
    {
        if (secretKey64.Length != Sodium.Ed25519SecretKeyBytes)
        {
            throw new ArgumentException("An Ed25519 secret key is 64 bytes.", nameof(secretKey64));
        }

        var payload = new byte[message.Length + SignatureBytes];
        message.CopyTo(payload);
        WithPae(message, footer, implicitAssertion, secretKey64, payload.AsSpan(message.Length), static (pae, sk, signature) => Sodium.Ed25519Sign(sk, pae, signature));

        var token = Header + Base64Url.Encode(payload);
        return footer.IsEmpty ? token : token + "." + Base64Url.Encode(footer);
    }

    /// <summary>
    /// Verifies <paramref name="token"/> against a 32-byte public key. Never throws on a malformed
    /// token; <paramref name="message"/> and <paramref name="footer"/> are empty unless it returns true.
    /// </summary>
    public static bool TryVerify(string token, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> implicitAssertion, out byte[] message, out byte[] footer)
    {
        message = [];
        footer = [];
        if (!TryParse(token, out var payload, out var parsedFooter) || !Verify(payload, parsedFooter, publicKey32, implicitAssertion))
        {
            return false;
        }

        message = payload[..^SignatureBytes];
        footer = parsedFooter;
        return true;
    }

    /// <summary>
    /// Reads the footer of a well-formed token without checking its signature (to pick the key).
    /// A token without footer gives an empty footer. The footer is untrusted until verified.
    /// </summary>
    public static bool TryReadUnverifiedFooter(string token, out byte[] footer)
    {
        if (TryParse(token, out _, out footer))
        {
            return true;
        }

        footer = [];
        return false;
    }

    /// <summary>Splits and decodes a token; <paramref name="payload"/> is message ‖ signature (at least 64 bytes).</summary>
    internal static bool TryParse(string? token, out byte[] payload, out byte[] footer)
    {
        payload = [];
        footer = [];
        if (token is null || !token.StartsWith(Header, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = token.AsSpan(Header.Length);
        var dot = rest.IndexOf('.');
        var body = dot < 0 ? rest : rest[..dot];
        if (dot >= 0)
        {
            var footerText = rest[(dot + 1)..];

            // Four parts at most, and an empty footer part is not a canonical encoding of "no footer".
            if (footerText.IsEmpty || footerText.Contains('.') || !Base64Url.TryDecode(footerText, out footer))
            {
                footer = [];
                return false;
            }
        }

        if (!Base64Url.TryDecode(body, out payload) || payload.Length < SignatureBytes)
        {
            payload = [];
            footer = [];
            return false;
        }

        return true;
    }

    /// <summary>Checks the signature of a parsed token.</summary>
    internal static bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> implicitAssertion)
    {
        if (payload.Length < SignatureBytes || publicKey32.Length != Sodium.Ed25519PublicKeyBytes)
        {
            return false;
        }

        var message = payload[..^SignatureBytes];
        var signature = payload[^SignatureBytes..];
        return WithPae(message, footer, implicitAssertion, publicKey32, signature, static (pae, pk, sig) => Sodium.Ed25519Verify(pk, pae, sig));
    }

    /// <summary>Pre-authentication encoding of any number of pieces (for tests and reference).</summary>
    internal static byte[] Pae(params byte[][] pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var length = 8 + pieces.Sum(p => 8 + p.Length);
        var output = new byte[length];
        WriteLe64(output, (ulong)pieces.Length);
        var offset = 8;
        foreach (var piece in pieces)
        {
            WriteLe64(output.AsSpan(offset), (ulong)piece.Length);
            piece.CopyTo(output, offset + 8);
            offset += 8 + piece.Length;
        }

        return output;
    }

    private delegate void SpanAction3(ReadOnlySpan<byte> pae, ReadOnlySpan<byte> key, Span<byte> signature);

    private delegate bool SpanFunc3(ReadOnlySpan<byte> pae, ReadOnlySpan<byte> key, ReadOnlySpan<byte> signature);

    private static void WithPae(ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion, ReadOnlySpan<byte> key, Span<byte> signature, SpanAction3 action)
    {
        var length = PaeLength(message, footer, implicitAssertion);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var pae = rented.AsSpan(0, length);
            WritePae(pae, message, footer, implicitAssertion);
            action(pae, key, signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool WithPae(ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion, ReadOnlySpan<byte> key, ReadOnlySpan<byte> signature, SpanFunc3 func)
    {
        var length = PaeLength(message, footer, implicitAssertion);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var pae = rented.AsSpan(0, length);
            WritePae(pae, message, footer, implicitAssertion);
            return func(pae, key, signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int PaeLength(ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion)
        => checked(8 + (8 + HeaderBytes.Length) + (8 + message.Length) + (8 + footer.Length) + (8 + implicitAssertion.Length));

    private static void WritePae(Span<byte> output, ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion)
    {
        WriteLe64(output, 4);
        var offset = 8;
        offset = WritePiece(output, offset, HeaderBytes);
        offset = WritePiece(output, offset, message);
        offset = WritePiece(output, offset, footer);
        WritePiece(output, offset, implicitAssertion);
    }

    private static int WritePiece(Span<byte> output, int offset, ReadOnlySpan<byte> piece)
    {
        WriteLe64(output[offset..], (ulong)piece.Length);
        piece.CopyTo(output[(offset + 8)..]);
        return offset + 8 + piece.Length;
    }

    // LE64 with the most significant bit cleared, as the PASETO spec requires for interoperability
    // with languages that lack unsigned 64-bit integers.
    internal static void WriteLe64(Span<byte> output, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(output, value & ~(1UL << 63));
}
