using Homegate.Verification.Permits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Verification.Sms;

/// <summary>Registration of SMS verification. The host also registers <see cref="NpgsqlDataSource"/> and the permit issuer.</summary>
public static class SmsVerificationFeature
{
    /// <summary>
    /// Adds SMS verification: options from <c>Homegate:Sms</c> (validated at start), the pepper
    /// guard for <c>Homegate:DataDir</c>/pepper.txt, the bounded phone hasher, the Prelude client
    /// (named HTTP client <c>prelude</c>) and the service. Call <see cref="PepperGuard.EnsureAsync(IServiceProvider, CancellationToken)"/>
    /// at start, after migrations.
    /// </summary>
    public static IServiceCollection AddSmsVerification(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SmsOptions>()
            .Bind(configuration.GetSection(SmsOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmsOptions>, SmsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(PreludeClient.HttpClientName)
            .ConfigureHttpClient((provider, client) =>
            {
                // The per-request timeout is enforced by PreludeClient (it follows config reloads);
                // this only keeps HttpClient's own 100 s default from cutting a longer setting short.
                var timeout = provider.GetRequiredService<IOptionsMonitor<SmsOptions>>().CurrentValue.RequestTimeout;
                client.Timeout = timeout + TimeSpan.FromSeconds(5);
            });

        var pepperPath = Path.Join(PermitServiceCollectionExtensions.ResolveDataDir(configuration[PermitServiceCollectionExtensions.DataDirKey]), PepperFile.FileName);
        services.TryAddSingleton(provider => new PepperGuard(
            provider.GetRequiredService<NpgsqlDataSource>(),
            pepperPath,
            provider.GetRequiredService<ILogger<PepperGuard>>()));
        services.TryAddSingleton<PhoneHasher>();
        services.TryAddSingleton<PreludeClient>();
        services.TryAddSingleton<SmsRepository>();
        services.TryAddSingleton<SmsSendCaps>();
        services.TryAddSingleton<SmsVerificationService>();
        services.AddHostedService<SmsCleanupService>();
        return services;
    }
}

/// <summary>Start-up validation of <see cref="SmsOptions"/>; messages name the configuration key.</summary>
internal sealed class SmsOptionsValidator : IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        var errors = new List<string>();
        const string prefix = SmsOptions.SectionName + ":";
        if (options.IsEnabled && string.IsNullOrWhiteSpace(options.ApiKey))
        {
            errors.Add($"{prefix}ApiKey is required when SMS verification is enabled.");
        }

        if (!options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("http" or "https"))
        {
            errors.Add($"{prefix}BaseUrl must be an absolute http(s) URL.");
        }

        if (options.MaxVerificationsPerWeek < 1)
        {
            errors.Add($"{prefix}MaxVerificationsPerWeek must be at least 1.");
        }

        if (options.MaxVerificationsPerYear < 1)
        {
            errors.Add($"{prefix}MaxVerificationsPerYear must be at least 1.");
        }

        if (options.MaxFailedAttempts < 1)
        {
            errors.Add($"{prefix}MaxFailedAttempts must be at least 1.");
        }

        if (options.FailedAttemptsWindow < TimeSpan.Zero)
        {
            errors.Add($"{prefix}FailedAttemptsWindow must not be negative.");
        }

        if (options.MaxCodeSendsPerHour < 1)
        {
            errors.Add($"{prefix}MaxCodeSendsPerHour must be at least 1.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}RequestTimeout must be positive.");
        }

        if (options.SessionLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}SessionLifetime must be positive.");
        }

        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}CleanupInterval must be positive.");
        }

        if (options.HashConcurrency < 1)
        {
            errors.Add($"{prefix}HashConcurrency must be at least 1.");
        }

        if (options.HashQueueLimit < 0)
        {
            errors.Add($"{prefix}HashQueueLimit must not be negative.");
        }

        for (var i = 0; i < options.Whitelist.Count; i++)
        {
            if (!PhoneNumber.IsValid(options.Whitelist[i]))
            {
                // The entry itself is a phone number: name its index, not its value.
                errors.Add($"{prefix}Whitelist:{i} is not an E.164 phone number.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
