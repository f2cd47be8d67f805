using FsCheck;
using FsCheck.Fluent;
using Homegate.Verification.Permits;
using static Homegate.Verification.Tests.Permits.PermitTestKit;

namespace Homegate.Verification.Tests.Permits;

public sealed class PermitPropertyTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    private readonly ManualTimeProvider _time = new(Noon);
    private readonly PermitKeyRing _ring = NewRing();

    [Fact]
    public void Arbitrary_strings_never_throw_and_never_verify()
    {
        var verifier = Verifier(_ring, _time);
        var prefixed = ArbMap.Default.GeneratorFor<string>().Select(s => "v4.public." + s);
        var strings = Gen.OneOf(ArbMap.Default.GeneratorFor<string>(), prefixed).ToArbitrary();

        Check.One(Many, Prop.ForAll(strings, s =>
        {
            Paseto.TryReadUnverifiedFooter(s, out _);
            return verifier.Verify(s).Failure == PermitFailure.Invalid;
        }));
    }

    [Fact]
    public void Correctly_signed_arbitrary_messages_and_footers_never_throw()
    {
        var verifier = Verifier(_ring, _time);
        var footer = System.Text.Encoding.UTF8.GetBytes("{\"kid\":\"" + _ring.Signing.Kid + "\"}");

        Check.One(Many, Prop.ForAll<byte[], byte[]>((message, randomFooter) =>
        {
            var withKid = Paseto.Sign(_ring.Signing.SecretKey!, message ?? [], footer, []);
            var withRandom = Paseto.Sign(_ring.Signing.SecretKey!, message ?? [], randomFooter ?? [], []);
            return verifier.Verify(withKid).Failure == PermitFailure.Invalid
                && verifier.Verify(withRandom).Failure == PermitFailure.Invalid;
        }));
    }

    [Fact]
    public void Random_mutations_of_a_valid_permit_never_verify()
    {
        var token = Issuer(_ring, _time).Issue("sms:1", "sms", User).Token;
        var verifier = Verifier(_ring, _time);
        Assert.True(verifier.Verify(token).IsValid);

        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
        var mutation =
            from kind in Gen.Choose(0, 2)
            from position in Gen.Choose(0, token.Length - 1)
            from c in Gen.Elements(Alphabet.ToCharArray())
            select Mutate(token, kind, position, c);

        Check.One(Many, Prop.ForAll(mutation.Where(t => t != token).ToArbitrary(), mutated => !verifier.Verify(mutated).IsValid));
    }

    private static string Mutate(string token, int kind, int position, char c) => kind switch
    {
        0 => token[..position] + c + token[(position + 1)..],
        1 => token[..position] + c + token[position..],
        _ => token.Remove(position, 1),
    };
}
