using Homegate.Gateway.Configuration;
using Homegate.Gateway.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Tests.Observability;

public sealed class LoggingTests
{
    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics")]
    [InlineData("Microsoft.AspNetCore.Routing.EndpointMiddleware")]
    [InlineData("Yarp.ReverseProxy.Forwarder.HttpForwarder")]
    public async Task Request_url_categories_stay_at_warning_when_the_operator_lowers_default(string category)
    {
        await using var host = TempConfig.Build(new()
        {
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:Console:LogLevel:Default"] = "Trace",
        });
        var factory = host.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(factory.CreateLogger(category).IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger(category).IsEnabled(LogLevel.Warning));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger("Homegate.Sms").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public async Task Naming_a_privacy_category_explicitly_lifts_its_cap_for_every_provider()
    {
        await using var host = TempConfig.Build(new()
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["Logging:Console:LogLevel:Default"] = "Warning",
        });
        var factory = host.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Routing").IsEnabled(LogLevel.Information));
    }

    [Theory]
    [InlineData("Homegate:Logging:Format", "json", "json")]
    [InlineData("Homegate:Logging:Format", "JSON", "json")]
    [InlineData(HomegateLogging.FormatVariable, "json", "json")]
    [InlineData("Homegate:Logging:Format", "simple", "simple")]
    [InlineData("Homegate:Logging:Format", "", "simple")]
    public async Task Console_format_follows_the_setting(string key, string value, string formatter)
    {
        await using var host = TempConfig.Build(new() { [key] = value });
        var options = host.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(formatter, options.FormatterName ?? "simple");
    }

    [Fact]
    public void Environment_variable_wins_over_the_config_key_and_unknown_formats_are_refused()
    {
        var both = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Homegate:Logging:Format"] = "simple",
            [HomegateLogging.FormatVariable] = "json",
        }).Build();
        Assert.True(HomegateLogging.IsJson(both));

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Homegate:Logging:Format"] = "xml" }).Build();
        var problem = Assert.Throws<ConfigurationProblemException>(() => HomegateLogging.IsJson(bad));
        Assert.Contains("Homegate:Logging:Format", problem.Message, StringComparison.Ordinal);
    }
}
