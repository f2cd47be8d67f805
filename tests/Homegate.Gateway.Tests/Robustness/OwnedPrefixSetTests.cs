using Homegate.Gateway.OwnedPaths;
using Homegate.Gateway.SignupGate;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>The owned-path guard's fast path: a path it compares as sent must be one that full
/// normalisation leaves unchanged, and it must give the same answer as normalising.</summary>
public sealed class OwnedPrefixSetTests
{
    private static readonly OwnedPrefixSet Prefixes = new([.. OwnedPathsFeature.BuiltIn, "/join"]);

    [Theory]
    [InlineData("/", true)]
    [InlineData("/pub/example.com/file.txt", true)]
    [InlineData("/sms_verification/send_code", true)]
    [InlineData("/sms_verification/", true)]
    [InlineData("/.well-known/homegate/permit-keys", true)]
    [InlineData("/Sms_verification", false)]
    [InlineData("/sms_verification%2Fsend_code", false)]
    [InlineData("//sms_verification", false)]
    [InlineData("/a//b", false)]
    [InlineData("/a/./b", false)]
    [InlineData("/a/../sms_verification", false)]
    [InlineData("/a/..", false)]
    [InlineData("/a\\b", false)]
    [InlineData("/a b", false)]
    [InlineData("/\u212Aey", false)]
    [InlineData("sms_verification", false)]
    public void Only_paths_that_normalise_to_themselves_take_the_fast_path(string path, bool normalForm)
    {
        Assert.Equal(normalForm, OwnedPrefixSet.IsNormalForm(path));
        if (normalForm)
        {
            var trimmed = path.Length > 1 && path.EndsWith('/') ? path[..^1] : path;
            Assert.Equal(trimmed, SignupPaths.Normalise(path));
        }
    }

    [Theory]
    [InlineData("/sms_verification", true)]
    [InlineData("/sms_verification/", true)]
    [InlineData("/sms_verification/send_code", true)]
    [InlineData("/SMS_Verification/Send_Code", true)]
    [InlineData("//sms_verification/send_code", true)]
    [InlineData("/pub/../sms_verification/x", true)]
    [InlineData("/sms_verification%2Fsend_code", true)]
    [InlineData("/.well-known/homegate", true)]
    [InlineData("/.well-known/./homegate/x", true)]
    [InlineData("/join", true)]
    [InlineData("/joinus/file.txt", false)]
    [InlineData("/sms_verificationx", false)]
    [InlineData("/pub/sms_verification", false)]
    [InlineData("/", false)]
    [InlineData("/.well-known/other", false)]
    public void The_fast_path_answers_as_full_normalisation_does(string path, bool owned)
    {
        Assert.Equal(owned, Prefixes.IsOwned(path));
        Assert.Equal(owned, Prefixes.IsOwnedNormalised(SignupPaths.Normalise(path)));
    }
}
