using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Homegate.Verification.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>
/// Sums what one homegate host's <c>Homegate</c> meter records, keyed <c>instrument|tag=value|…</c>.
/// Only that host's meter (its <see cref="IMeterFactory"/>): other test classes run their own hosts in parallel.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _sums = new();
    private readonly MeterListener _listener = new();

    public MeterRecorder(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HomegateMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }

            _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    /// <summary>Every key recorded so far.</summary>
    public ICollection<string> Keys => _sums.Keys;

    /// <summary>The sum recorded under <paramref name="key"/>, 0 when nothing was.</summary>
    public long Count(string key) => _sums.GetValueOrDefault(key);

    public void Dispose() => _listener.Dispose();
}
