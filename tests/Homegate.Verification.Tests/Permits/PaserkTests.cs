using Homegate.Verification.Crypto;
using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

public sealed class PaserkTests
{
    public static TheoryData<string> PidVectors => new(TestVectors.Load("paserk-k4-pid.json").RootElement
        .GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));

    [Fact]
    public void Key_id_of_the_all_zero_public_key_matches_the_reference()
    {
        var paserk = Paserk.PublicKey(new byte[32]);

        Assert.Equal("k4.public.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", paserk);
        Assert.Equal(Pid("all-zero key").Pid, Paserk.PublicKeyId(paserk));
    }

    [Theory]
    [MemberData(nameof(PidVectors))]
    public void Key_id_matches_the_reference_vector(string name)
    {
        var (key, pid) = Pid(name);

        Assert.Equal(pid, Paserk.PublicKeyId(Paserk.PublicKey(key)));
    }

    [Fact]
    public void Public_key_round_trips_and_malformed_ones_are_refused()
    {
        var key = Enumerable.Range(0x70, 32).Select(i => (byte)i).ToArray();
        var text = Paserk.PublicKey(key);

        Assert.True(Paserk.TryParsePublicKey(text, out var parsed));
        Assert.Equal(key, parsed);
        Assert.False(Paserk.TryParsePublicKey(text + "=", out _));
        Assert.False(Paserk.TryParsePublicKey(text[..^1], out _));
        Assert.False(Paserk.TryParsePublicKey("k3.public." + text["k4.public.".Length..], out _));
        Assert.False(Paserk.TryParsePublicKey("k4.secret." + text["k4.public.".Length..], out _));
        Assert.False(Paserk.TryParsePublicKey("k4.public." + Base64Url.Encode(new byte[33]), out _));
        Assert.False(Paserk.TryParsePublicKey(null, out _));
        Assert.Throws<ArgumentException>(() => Paserk.PublicKeyId("k4.public.nope"));
    }

    [Fact]
    public void Secret_key_round_trips_and_a_mismatched_public_half_is_refused()
    {
        var key = PermitKey.Generate();
        var text = Paserk.SecretKey(key.SecretKey!);

        Assert.StartsWith("k4.secret.", text, StringComparison.Ordinal);
        Assert.True(Paserk.TryParseSecretKey(text, out var sk));
        Assert.Equal(key.SecretKey, sk);

        var forged = (byte[])key.SecretKey!.Clone();
        forged[40] ^= 1;
        Assert.False(Paserk.TryParseSecretKey(Paserk.SecretKey(forged), out _));
        Assert.False(Paserk.TryParseSecretKey("k4.public." + text["k4.secret.".Length..], out _));
        Assert.False(Paserk.TryParseSecretKey(Paserk.PublicKey(key.PublicKey), out _));
    }

    [Fact]
    public void Permit_key_exposes_its_paserk_and_id()
    {
        var key = PermitKey.FromPublicKey(new byte[32]);

        Assert.Equal("k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE", key.Kid);
        Assert.Equal("k4.public.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key.Paserk);
        Assert.False(key.CanSign);
    }

    private static (byte[] Key, string Pid) Pid(string name)
    {
        using var doc = TestVectors.Load("paserk-k4-pid.json");
        var test = doc.RootElement.GetProperty("tests").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        return (Convert.FromHexString(test.GetProperty("public-key").GetString()!), test.GetProperty("pid").GetString()!);
    }
}
