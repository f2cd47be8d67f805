using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Homegate.Verification.Observability;

/// <summary>
/// The <c>Homegate</c> meter (export is configured by the host). Components take it as an optional
/// constructor parameter, so a composition without metrics (unit tests) still works.
/// Tags never carry identities: only the method, a problem code or a policy name, and with several
/// homeservers the homeserver's configured name (<c>homeserver</c>).
/// </summary>
public sealed class HomegateMetrics
{
    public const string MeterName = "Homegate";

    private readonly Counter<long> _verificationsStarted;
    private readonly Counter<long> _verificationsCompleted;
    private readonly Counter<long> _verificationsFailed;
    private readonly Counter<long> _permitsIssued;
    private readonly Counter<long> _permitsRedeemed;
    private readonly Counter<long> _permitsRejected;
    private readonly Counter<long> _rateLimitRejections;
    private readonly Counter<long> _watcherReconnects;
    private readonly Counter<long> _codesIssued;
    private readonly Counter<long> _codesRedeemed;
    private readonly Counter<long> _codesRejected;
    private readonly Counter<long> _codeGuessRejections;

    public HomegateMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _verificationsStarted = meter.CreateCounter<long>("homegate.verifications.started", "{verification}", "Verifications started (SMS code sent for a new session, Lightning invoice created).");
        _verificationsCompleted = meter.CreateCounter<long>("homegate.verifications.completed", "{verification}", "Verifications completed (correct SMS code, Lightning invoice paid).");
        _verificationsFailed = meter.CreateCounter<long>("homegate.verifications.failed", "{verification}", "Verifications that ended without success (SMS burned/expired/limited, Lightning expired/failed).");
        _permitsIssued = meter.CreateCounter<long>("homegate.permits.issued", "{permit}", "Permits issued by a verification.");
        _permitsRedeemed = meter.CreateCounter<long>("homegate.permits.redeemed", "{permit}", "Permits redeemed by a signup the homeserver accepted.");
        _permitsRejected = meter.CreateCounter<long>("homegate.permits.rejected", "{request}", "Signups refused by the gate, by problem code.");
        _rateLimitRejections = meter.CreateCounter<long>("homegate.ratelimit.rejections", "{request}", "Requests refused by a rate-limit policy.");
        _watcherReconnects = meter.CreateCounter<long>("homegate.watcher.reconnects", "{connection}", "PhoenixD WebSocket connections opened after the first one of this instance.");
        _codesIssued = meter.CreateCounter<long>("homegate.codes.issued", "{code}", "Signup codes handed out, by method (a Lightning re-read counts again; it yields the same code).");
        _codesRedeemed = meter.CreateCounter<long>("homegate.codes.redeemed", "{code}", "Signups the homeserver accepted that presented a signup code (also counted in homegate.permits.redeemed).");
        _codesRejected = meter.CreateCounter<long>("homegate.codes.rejected", "{request}", "Signups presenting a code that the gate refused, by problem code (also counted in homegate.permits.rejected).");
        _codeGuessRejections = meter.CreateCounter<long>("homegate.codes.guess_rejections", "{request}", "Requests refused by the code-guess policy (too many unknown codes from one address).");
    }

    /// <summary>The given tag plus, inside a request of one of several homeservers, its name.</summary>
    private static TagList Tags(string? key = null, object? value = null)
    {
        var tags = default(TagList);
        if (key is not null)
        {
            tags.Add(key, value);
        }

        if (Homeserver.HomeserverIdentity.CurrentName is { } homeserver)
        {
            tags.Add("homeserver", homeserver);
        }

        return tags;
    }

    public void VerificationStarted(string method) => _verificationsStarted.Add(1, Tags("method", method));

    public void VerificationCompleted(string method, int count = 1) => _verificationsCompleted.Add(count, Tags("method", method));

    public void VerificationFailed(string method) => _verificationsFailed.Add(1, Tags("method", method));

    public void PermitIssued(string method) => _permitsIssued.Add(1, Tags("method", method));

    public void PermitRedeemed() => _permitsRedeemed.Add(1, Tags());

    public void PermitRejected(string code) => _permitsRejected.Add(1, Tags("code", code));

    public void RateLimitRejected(string policy) => _rateLimitRejections.Add(1, Tags("policy", policy));

    public void WatcherReconnected() => _watcherReconnects.Add(1, Tags());

    public void SignupCodeIssued(string method) => _codesIssued.Add(1, Tags("method", method));

    public void SignupCodeRedeemed() => _codesRedeemed.Add(1, Tags());

    public void SignupCodeRejected(string code) => _codesRejected.Add(1, Tags("code", code));

    public void CodeGuessRejected() => _codeGuessRejections.Add(1, Tags());
}

public static class HomegateMetricsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="HomegateMetrics"/> (and the framework's meter factory).</summary>
    public static IServiceCollection AddHomegateMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<HomegateMetrics>();
        return services;
    }
}
