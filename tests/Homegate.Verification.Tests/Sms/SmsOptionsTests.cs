using Homegate.Verification.Sms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Tests.Sms;

public sealed class SmsOptionsTests
{
    [Fact]
    public void Sms_is_enabled_exactly_when_an_api_key_is_set_unless_configured_explicitly()
    {
        Assert.False(Options(new()).IsEnabled);
        Assert.True(Options(new() { ["Homegate:Sms:ApiKey"] = "k" }).IsEnabled);
        Assert.False(Options(new() { ["Homegate:Sms:ApiKey"] = "k", ["Homegate:Sms:Enabled"] = "false" }).IsEnabled);
    }

    [Fact]
    public void Defaults_follow_the_contract()
    {
        var options = Options(new());

        Assert.Equal(new Uri("https://api.prelude.dev"), options.BaseUrl);
        Assert.Equal(2, options.MaxVerificationsPerWeek);
        Assert.Equal(4, options.MaxVerificationsPerYear);
        Assert.Equal(5, options.MaxFailedAttempts);
        Assert.Empty(options.Whitelist);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.SessionLifetime);
        Assert.Equal(Environment.ProcessorCount, options.HashConcurrency);
    }

    [Fact]
    public void Invalid_settings_fail_with_messages_naming_the_key_but_not_the_number()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new()
        {
            ["Homegate:Sms:Enabled"] = "true",
            ["Homegate:Sms:MaxVerificationsPerWeek"] = "0",
            ["Homegate:Sms:Whitelist:0"] = "+30123456789",
            ["Homegate:Sms:Whitelist:1"] = "0030999888777",
        }));

        Assert.Contains("Homegate:Sms:ApiKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("Homegate:Sms:MaxVerificationsPerWeek", error.Message, StringComparison.Ordinal);
        Assert.Contains("Homegate:Sms:Whitelist:1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0030999888777", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Whitelist:0", error.Message, StringComparison.Ordinal);
    }

    private static SmsOptions Options(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging().AddSmsVerification(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SmsOptions>>().Value;
    }
}
