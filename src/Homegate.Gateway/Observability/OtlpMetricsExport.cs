using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Homegate.Gateway.Observability;

/// <summary>
/// OTLP metrics export, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment variable or
/// configuration key); otherwise no meter provider exists and nothing is collected. Exports the
/// <c>Homegate</c> meter and the ASP.NET Core, Kestrel and HttpClient meters. The protocol follows
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c> [default] or <c>http/protobuf</c>); for http/protobuf the
/// endpoint is the base URL and <c>v1/metrics</c> is appended, as the OpenTelemetry specification says.
/// </summary>
internal sealed class OtlpMetricsExport(IConfiguration configuration) : IHostedService, IDisposable
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The meters exported: homegate's own, then the framework's.</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        "Homegate",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "System.Net.Http",
        "System.Net.NameResolution",
    ];

    /// <summary>The provider while exporting; null when export is off or the host has stopped.</summary>
    public MeterProvider? Provider { get; private set; }

    /// <summary>The endpoint to export to, or null (export off) when the key is unset or blank.</summary>
    public static Uri? Endpoint(IConfiguration configuration)
    {
        var value = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new Configuration.ConfigurationProblemException($"{EndpointKey}: '{value}' is not an http(s) URL.");
    }

    public static OtlpExportProtocol Protocol(IConfiguration configuration) => configuration[ProtocolKey]?.Trim() switch
    {
        null or "" or "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        var other => throw new Configuration.ConfigurationProblemException($"{ProtocolKey}: '{other}' is not supported; use grpc or http/protobuf."),
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Endpoint(configuration) is not { } endpoint)
        {
            return Task.CompletedTask;
        }

        var protocol = Protocol(configuration);
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("homegate", serviceVersion: OpenApi.OpenApiFeature.Version));
        foreach (var meter in Meters)
        {
            builder.AddMeter(meter);
        }

        Provider = builder.AddOtlpExporter(options =>
        {
            options.Protocol = protocol;
            options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
                ? new Uri(endpoint.ToString().TrimEnd('/') + "/v1/metrics")
                : endpoint;
        }).Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Disposing flushes what was collected since the last export.
        Provider?.Dispose();
        Provider = null;
    }
}

internal static class OtlpMetricsExportFeature
{
    /// <summary>Registers <see cref="OtlpMetricsExport"/> (which does nothing unless the endpoint is set) and
    /// checks the endpoint now, so a malformed value stops the start with a clear message.</summary>
    public static IServiceCollection AddHomegateMetricsExport(this IServiceCollection services, IConfiguration configuration)
    {
        _ = OtlpMetricsExport.Endpoint(configuration);
        _ = OtlpMetricsExport.Protocol(configuration);
        services.AddSingleton<OtlpMetricsExport>();
        services.AddHostedService(sp => sp.GetRequiredService<OtlpMetricsExport>());
        return services;
    }
}
