using System.Buffers.Binary;
using System.Text;
using Homegate.Verification.Crypto;

namespace Homegate.Fakes.Pubky;

/// <summary>A decoded AuthToken (signature not checked by <see cref="AuthTokens.TryParse"/>).</summary>
public sealed record ParsedAuthToken(
    byte[] Signature,
    byte[] Namespace,
    byte Version,
    ulong TimestampMicros,
    byte[] PublicKey,
    string Capabilities)
{
    public string PublicKeyZ32 => ZBase32.Encode(PublicKey);

    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(checked((long)TimestampMicros * 10));
}

/// <summary>
/// The Pubky AuthToken in its postcard encoding: signature (64) ‖ "PUBKY:AUTH" (10) ‖ version (1) ‖
/// big-endian µs timestamp (8) ‖ public key (32) ‖ LEB128 length + UTF-8 capabilities. The signature
/// covers bytes 65.. (the first namespace byte is not signed, as in pubky-common).
/// </summary>
public static class AuthTokens
{
    public const int SignatureLength = 64;
    public const int NamespaceOffset = 64;
    public const int VersionOffset = 74;
    public const int TimestampOffset = 75;
    public const int PublicKeyOffset = 83;
    public const int CapabilitiesOffset = 115;
    public const int SignedFrom = 65;

    /// <summary>ASCII <c>PUBKY:AUTH</c>.</summary>
    public static ReadOnlySpan<byte> Namespace => "PUBKY:AUTH"u8;

    /// <summary>A signed AuthToken (120 bytes for the root capability <c>/:rw</c>).</summary>
    public static byte[] Create(UserKey key, DateTimeOffset timestamp, string capabilities = "/:rw")
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(capabilities);
        var micros = checked((ulong)(timestamp - DateTimeOffset.UnixEpoch).Ticks / 10);
        return CreateRaw(key, micros, capabilities, version: 0);
    }

    /// <summary>
    /// A token with full control over the fields, for negative tests (a wrong version is still
    /// signed correctly).
    /// </summary>
    public static byte[] CreateRaw(UserKey key, ulong timestampMicros, string capabilities, byte version)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(capabilities);
        var caps = Encoding.UTF8.GetBytes(capabilities);
        var lengthBytes = Leb128((ulong)caps.Length);
        var token = new byte[CapabilitiesOffset + lengthBytes.Length + caps.Length];
        Namespace.CopyTo(token.AsSpan(NamespaceOffset));
        token[VersionOffset] = version;
        BinaryPrimitives.WriteUInt64BigEndian(token.AsSpan(TimestampOffset), timestampMicros);
        key.PublicKey.CopyTo(token, PublicKeyOffset);
        lengthBytes.CopyTo(token, CapabilitiesOffset);
        caps.CopyTo(token, CapabilitiesOffset + lengthBytes.Length);
        key.Sign(token.AsSpan(SignedFrom)).CopyTo(token, 0);
        return token;
    }

    /// <summary>
    /// Decodes the fields. Fails on a truncated token or capabilities that are not UTF-8; trailing
    /// bytes after the capabilities are ignored, as postcard's <c>from_bytes</c> does.
    /// </summary>
    public static bool TryParse(byte[] bytes, out ParsedAuthToken parsed)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        parsed = null!;
        if (bytes.Length < CapabilitiesOffset + 1)
        {
            return false;
        }

        var offset = CapabilitiesOffset;
        if (!TryReadLeb128(bytes, ref offset, out var length) || length > (ulong)(bytes.Length - offset))
        {
            return false;
        }

        string capabilities;
        try
        {
            capabilities = new UTF8Encoding(false, true).GetString(bytes, offset, (int)length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        parsed = new ParsedAuthToken(
            bytes[..SignatureLength],
            bytes[NamespaceOffset..VersionOffset],
            bytes[VersionOffset],
            BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(TimestampOffset)),
            bytes[PublicKeyOffset..CapabilitiesOffset],
            capabilities);
        return true;
    }

    /// <summary>Whether the signature over bytes 65.. verifies with the embedded public key.</summary>
    public static bool VerifySignature(byte[] bytes, ParsedAuthToken parsed)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parsed);
        return Ed25519Keys.Verify(parsed.PublicKey, bytes.AsSpan(SignedFrom), parsed.Signature);
    }

    private static byte[] Leb128(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static bool TryReadLeb128(byte[] bytes, ref int offset, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && offset < bytes.Length; shift += 7)
        {
            var b = bytes[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
