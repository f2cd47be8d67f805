using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Homegate.Gateway.Configuration;
using Homegate.Gateway.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Homegate.Gateway.Tests.Observability;

public sealed class OtlpMetricsExportTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Without_an_endpoint_no_meter_provider_is_created(string? endpoint)
    {
        await using var host = TempConfig.Build(new() { [OtlpMetricsExport.EndpointKey] = endpoint });
        var export = host.App.Services.GetRequiredService<OtlpMetricsExport>();
        Assert.Contains(host.App.Services.GetServices<IHostedService>(), s => ReferenceEquals(s, export));

        await export.StartAsync(CancellationToken.None);
        Assert.Null(export.Provider);
    }

    [Fact]
    public void A_malformed_endpoint_is_a_configuration_problem()
    {
        var configuration = Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url"));
        Assert.Throws<ConfigurationProblemException>(() => OtlpMetricsExport.Endpoint(configuration));
    }

    [Fact]
    public async Task With_an_endpoint_the_homegate_meter_is_exported_over_otlp_http()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, long Length)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path, context.Request.ContentType, body.Length));
            return Results.Ok();
        });
        await collector.StartAsync();

        var export = new OtlpMetricsExport(Config(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Urls.First()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")));
        await export.StartAsync(CancellationToken.None);
        Assert.NotNull(export.Provider);

        using (var meter = new Meter("Homegate"))
        {
            meter.CreateCounter<long>("homegate.test.exported").Add(3);
            Assert.True(export.Provider!.ForceFlush(10_000));
        }

        await export.StopAsync(CancellationToken.None);
        Assert.Null(export.Provider);
        var (path, contentType, length) = Assert.Single(received.Take(1));
        Assert.Equal("/v1/metrics", path);
        Assert.Equal("application/x-protobuf", contentType);
        Assert.True(length > 0);
        await collector.StopAsync();
    }

    private static IConfiguration Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
