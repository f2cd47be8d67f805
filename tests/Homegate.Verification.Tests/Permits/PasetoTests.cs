using System.Text;
using System.Text.Json;
using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

public sealed class PasetoTests
{
    public static TheoryData<string> VectorNames => new() { "4-S-1", "4-S-2", "4-S-3" };

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Sign_reproduces_the_official_vector_token(string name)
    {
        var v = Vector.Load(name);

        var token = Paseto.Sign(v.SecretKey, v.Payload, v.Footer, v.Implicit);

        Assert.Equal(v.Token, token);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Official_vector_verifies_and_yields_its_message_and_footer(string name)
    {
        var v = Vector.Load(name);

        Assert.True(Paseto.TryVerify(v.Token, v.PublicKey, v.Implicit, out var message, out var footer));
        Assert.Equal(v.Payload, message);
        Assert.Equal(v.Footer, footer);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Any_flipped_byte_of_message_signature_or_footer_fails_verification(string name)
    {
        var v = Vector.Load(name);
        var parts = v.Token.Split('.');
        Assert.True(Base64Url.TryDecode(parts[2], out var payload));
        for (var i = 0; i < payload.Length; i++)
        {
            var tampered = (byte[])payload.Clone();
            tampered[i] ^= 0x01;
            var token = "v4.public." + Base64Url.Encode(tampered) + (parts.Length == 4 ? "." + parts[3] : "");
            Assert.False(Paseto.TryVerify(token, v.PublicKey, v.Implicit, out _, out _), $"payload byte {i}");
        }

        for (var i = 0; i < v.Footer.Length; i++)
        {
            var tampered = (byte[])v.Footer.Clone();
            tampered[i] ^= 0x01;
            var token = string.Join('.', parts[..3]) + "." + Base64Url.Encode(tampered);
            Assert.False(Paseto.TryVerify(token, v.PublicKey, v.Implicit, out _, out _), $"footer byte {i}");
        }
    }

    [Fact]
    public void Tampering_with_header_footer_presence_implicit_assertion_or_key_fails()
    {
        var v = Vector.Load("4-S-3");
        var withoutFooter = v.Token[..v.Token.LastIndexOf('.')];
        var otherKey = (byte[])v.PublicKey.Clone();
        otherKey[0] ^= 1;

        Assert.False(Paseto.TryVerify(v.Token.Replace("v4.public.", "v4.local.", StringComparison.Ordinal), v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(v.Token.Replace("v4.public.", "v3.public.", StringComparison.Ordinal), v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify("V" + v.Token[1..], v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(" " + v.Token, v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(withoutFooter, v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(v.Token + ".e30", v.PublicKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(v.Token, v.PublicKey, [], out _, out _));
        Assert.False(Paseto.TryVerify(v.Token, otherKey, v.Implicit, out _, out _));
        Assert.False(Paseto.TryVerify(v.Token, v.PublicKey.AsSpan(0, 31), v.Implicit, out _, out _));
    }

    [Fact]
    public void Padded_or_non_canonical_base64_is_rejected()
    {
        var key = PermitKey.Generate();

        // 3 + 64 bytes: standard base64 would pad the payload with "=="; the 5-byte footer with "=".
        var bare = Paseto.Sign(key.SecretKey!, "{ }"u8, [], []);
        var footed = Paseto.Sign(key.SecretKey!, "{ }"u8, "abcde"u8, []);
        var footerStart = footed.LastIndexOf('.');
        Assert.True(Paseto.TryVerify(bare, key.PublicKey, [], out _, out _));
        Assert.True(Paseto.TryVerify(footed, key.PublicKey, [], out _, out _));

        Assert.False(Paseto.TryVerify(bare + "==", key.PublicKey, [], out _, out _));
        Assert.False(Paseto.TryReadUnverifiedFooter(bare + "==", out _));
        Assert.False(Paseto.TryVerify(footed[..footerStart] + "==" + footed[footerStart..], key.PublicKey, [], out _, out _));
        Assert.False(Paseto.TryVerify(footed + "=", key.PublicKey, [], out _, out _));
        var v1 = Vector.Load("4-S-1");
        Assert.Contains("_", v1.Token, StringComparison.Ordinal);
        Assert.False(Paseto.TryVerify(v1.Token.Replace('-', '+').Replace('_', '/'), v1.PublicKey, [], out _, out _));
        Assert.False(Paseto.TryVerify(bare + ".", key.PublicKey, [], out _, out _));
    }

    [Fact]
    public void A_payload_shorter_than_a_signature_is_malformed()
    {
        var token = "v4.public." + Base64Url.Encode(new byte[63]);

        Assert.False(Paseto.TryReadUnverifiedFooter(token, out _));
        Assert.False(Paseto.TryVerify(token, new byte[32], [], out _, out _));
    }

    [Fact]
    public void Unverified_footer_is_readable_and_absent_footer_is_empty()
    {
        var v1 = Vector.Load("4-S-1");
        var v2 = Vector.Load("4-S-2");

        Assert.True(Paseto.TryReadUnverifiedFooter(v2.Token, out var footer));
        Assert.Equal(v2.Footer, footer);
        Assert.True(Paseto.TryReadUnverifiedFooter(v1.Token, out var none));
        Assert.Empty(none);
        Assert.False(Paseto.TryReadUnverifiedFooter("v4.public.", out _));
        Assert.False(Paseto.TryReadUnverifiedFooter("", out _));
    }

    [Fact]
    public void Pae_matches_the_specification_examples()
    {
        Assert.Equal("0000000000000000", Convert.ToHexStringLower(Paseto.Pae()));
        Assert.Equal("01000000000000000000000000000000", Convert.ToHexStringLower(Paseto.Pae(Array.Empty<byte>())));
        Assert.Equal("0100000000000000040000000000000074657374", Convert.ToHexStringLower(Paseto.Pae("test"u8.ToArray())));
        Assert.Equal(
            "02000000000000000100000000000000610000000000000000",
            Convert.ToHexStringLower(Paseto.Pae("a"u8.ToArray(), Array.Empty<byte>())));
    }

    [Fact]
    public void Le64_clears_the_top_bit()
    {
        var buffer = new byte[8];

        Paseto.WriteLe64(buffer, ulong.MaxValue);

        Assert.Equal("ffffffffffffff7f", Convert.ToHexStringLower(buffer));
    }

    [Fact]
    public void Sign_and_verify_round_trip_with_a_fresh_key_and_implicit_assertion()
    {
        var key = PermitKey.Generate();
        var token = Paseto.Sign(key.SecretKey!, "{\"a\":1}"u8, "footer"u8, "ctx"u8);

        Assert.True(Paseto.TryVerify(token, key.PublicKey, "ctx"u8, out var message, out var footer));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(message));
        Assert.Equal("footer", Encoding.UTF8.GetString(footer));
        Assert.False(Paseto.TryVerify(token, key.PublicKey, "ctx2"u8, out _, out _));
    }

    private sealed record Vector(string Token, byte[] PublicKey, byte[] SecretKey, byte[] Payload, byte[] Footer, byte[] Implicit)
    {
        public static Vector Load(string name)
        {
            using var doc = TestVectors.Load("paseto-v4-public.json");
            var test = doc.RootElement.GetProperty("tests").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
            string S(string p) => test.GetProperty(p).GetString()!;
            return new Vector(
                S("token"),
                Convert.FromHexString(S("public-key")),
                Convert.FromHexString(S("secret-key")),
                Encoding.UTF8.GetBytes(S("payload")),
                Encoding.UTF8.GetBytes(S("footer")),
                Encoding.UTF8.GetBytes(S("implicit-assertion")));
        }
    }
}
