using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Tests.Permits;

public sealed class PermitRegistrationTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "homegate-permits-di-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public void AddPermits_binds_options_and_issues_permits_the_verifier_accepts()
    {
        var peer = PermitKey.Generate();
        using var provider = Build(new()
        {
            ["Homegate:DataDir"] = _dataDir,
            ["Homegate:Permits:Issuer"] = "hg-test",
            ["Homegate:Permits:Lifetime"] = "00:05:00",
            ["Homegate:Permits:TrustedKeys:0"] = peer.Paserk,
        });

        var issued = provider.GetRequiredService<PermitIssuer>().Issue("sms:1", "sms", null);
        var ring = provider.GetRequiredService<PermitKeyRing>();

        Assert.Equal("hg-test", issued.Claims.Issuer);
        Assert.Equal(TimeSpan.FromMinutes(5), issued.Claims.Expires - issued.Claims.IssuedAt);
        Assert.True(provider.GetRequiredService<PermitVerifier>().Verify(issued.Token).IsValid);
        Assert.True(File.Exists(Path.Combine(_dataDir, PermitKeyRing.SigningKeyFileName)));
        Assert.Equal([ring.Signing.Kid, peer.Kid], ring.All.Select(k => k.Kid));
    }

    [Theory]
    [InlineData("Homegate:Permits:Lifetime", "00:00:00", "Lifetime")]
    [InlineData("Homegate:Permits:Issuer", " ", "Issuer")]
    [InlineData("Homegate:Permits:TrustedKeys:0", "k4.public.nope", "TrustedKeys")]
    public void Invalid_options_fail_at_start_naming_the_key(string key, string value, string named)
    {
        using var provider = Build(new() { ["Homegate:DataDir"] = _dataDir, [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Homegate:Permits:" + named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_dir_tilde_is_the_home_directory_and_the_default_is_dot_homegate()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        Assert.Equal(Path.Combine(home, ".homegate"), PermitServiceCollectionExtensions.ResolveDataDir(null));
        Assert.Equal(Path.Combine(home, "x", "y"), PermitServiceCollectionExtensions.ResolveDataDir("~/x/y"));
        Assert.Equal("/srv/homegate", PermitServiceCollectionExtensions.ResolveDataDir("/srv/homegate"));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(new HomeserverIdentity(PermitTestKit.HomeserverKey));
        services.AddPermits(configuration);
        return services.BuildServiceProvider();
    }
}
