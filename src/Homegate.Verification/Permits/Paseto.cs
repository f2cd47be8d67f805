using System.Buffers;
using System.Buffers.Binary;
using Homegate.Verification.Crypto;
using NSec.Cryptography;

namespace Homegate.Verification.Permits;

/// <summary>
/// PASETO v4.public (Ed25519): <c>v4.public.</c> + base64url(message ‖ signature) [+ <c>.</c> + base64url(footer)].
/// Parsing is strict: exact prefix, unpadded canonical base64url, no empty footer part, nothing after the footer.
/// </summary>
public static class Paseto
{
    private const string Header = "v4.public.";
    private const int SignatureBytes = Ed25519Keys.SignatureBytes;

    // PAE input for the header piece: "v4.public." in ASCII.
    private static ReadOnlySpan<byte> HeaderBytes => "v4.public."u8;

    /// <summary>
    /// Signs <paramref name="message"/> with a 64-byte Ed25519 secret key (seed ‖ public key), importing
    /// it for this one token (tests, vectors, tools). Services sign with an imported <see cref="Key"/>.
    /// </summary>
    public static string Sign(ReadOnlySpan<byte> secretKey64, ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion)
    {
        if (!Ed25519Keys.TryImportSecretKey(secretKey64, exportable: false, out var key))
        {
            throw new ArgumentException("An Ed25519 secret key is 64 bytes, seed then its public key.", nameof(secretKey64));
        }

        using (key)
        {
            return Sign(key, message, footer, implicitAssertion);
        }
    }

    /// <summary>Signs <paramref name="message"/> with an Ed25519 key imported into NSec.</summary>
    public static string Sign(Key secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> implicitAssertion)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        if (secretKey.Algorithm != Ed25519Keys.Algorithm)
        {
            throw new ArgumentException("A v4.public token is signed with an Ed25519 key.", nameof(secretKey));
        }

        var payload = new byte[message.Length + SignatureBytes];
        message.CopyTo(payload);
        var length = PaeLength(message, footer, implicitAssertion);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var pae = rented.AsSpan(0, length);
            WritePae(pae, message, footer, implicitAssertion);
            Ed25519Keys.Algorithm.Sign(secretKey, pae, payload.AsSpan(message.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

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

    /// <summary>Checks the signature of a parsed token against raw public key bytes (imported for this call).</summary>
    internal static bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> implicitAssertion)
        => Ed25519Keys.TryImportPublicKey(publicKey32, out var key) && Verify(payload, footer, key, implicitAssertion);

    /// <summary>Checks the signature of a parsed token against an imported public key.</summary>
    internal static bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer, PublicKey publicKey, ReadOnlySpan<byte> implicitAssertion)
    {
        if (payload.Length < SignatureBytes || publicKey.Algorithm != Ed25519Keys.Algorithm)
        {
            return false;
        }

        var message = payload[..^SignatureBytes];
        var signature = payload[^SignatureBytes..];
        var length = PaeLength(message, footer, implicitAssertion);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var pae = rented.AsSpan(0, length);
            WritePae(pae, message, footer, implicitAssertion);
            return Ed25519Keys.Algorithm.Verify(publicKey, pae, signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
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
