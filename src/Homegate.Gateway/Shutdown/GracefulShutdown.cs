using Microsoft.Extensions.Options;

namespace Homegate.Gateway.Shutdown;

/// <summary>
/// On SIGTERM (or any host stop): readiness fails first (<see cref="ShutdownState"/>), then after
/// <see cref="ShutdownOptions.ShutdownGrace"/> the host stops Kestrel, which stops accepting and drains
/// in-flight requests within <see cref="ShutdownOptions.ShutdownTimeout"/>. A signup in flight finishes
/// and the gate redeems or releases its permit (settling ignores the request's cancellation).
/// </summary>
internal sealed partial class GracefulShutdown(
    ShutdownState state,
    IOptions<ShutdownOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    private CancellationTokenRegistration _stopping;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping fires on SIGTERM before the hosted services stop; StoppingAsync covers StopAsync().
        _stopping = lifetime.ApplicationStopping.Register(state.MarkStopping);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.MarkStopping();
        var grace = options.Value.ShutdownGrace;
        LogStopping(grace.TotalSeconds);
        if (grace > TimeSpan.Zero)
        {
            try
            {
                // Wall-clock on purpose: load balancers poll in real time, whatever clock the app uses.
                await Task.Delay(grace, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout won; carry on stopping.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Stopping: readiness now fails; new requests accepted for {GraceSeconds} s more, then in-flight requests drain")]
    private partial void LogStopping(double graceSeconds);
}

internal static class ShutdownFeature
{
    public static IServiceCollection AddHomegateShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Homegate");
        services.Configure<ShutdownOptions>(o =>
        {
            o.ShutdownGrace = section.GetValue(nameof(ShutdownOptions.ShutdownGrace), o.ShutdownGrace);
            o.ShutdownTimeout = section.GetValue(nameof(ShutdownOptions.ShutdownTimeout), o.ShutdownTimeout);
        });
        services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = section.GetValue(nameof(ShutdownOptions.ShutdownTimeout), TimeSpan.FromSeconds(30)));
        services.AddSingleton<ShutdownState>();
        services.AddHostedService<GracefulShutdown>();
        return services;
    }
}
