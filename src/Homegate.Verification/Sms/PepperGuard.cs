using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homegate.Verification.Sms;

/// <summary>
/// Loads the phone-hash pepper and checks it against the fingerprint the database records.
/// A different or missing pepper file would silently reset every SMS limit, so when the database
/// knows a pepper, homegate refuses to start rather than create a new one (DESIGN.md, "Secrets and
/// privacy"). The first start creates the file (mode 0600) and records its fingerprint.
/// </summary>
public sealed partial class PepperGuard : IDisposable
{
    internal const string FingerprintKey = "sms.pepper_fingerprint";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PepperGuard> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _pepper;

    internal PepperGuard(NpgsqlDataSource dataSource, string pepperPath, ILogger<PepperGuard> logger)
    {
        _dataSource = dataSource;
        PepperPath = pepperPath;
        _logger = logger;
    }

    /// <summary>The pepper file, <c>&lt;Homegate:DataDir&gt;/pepper.txt</c>.</summary>
    public string PepperPath { get; }

    /// <summary>
    /// Runs the check for the host at start (after migrations): creates the pepper on first start,
    /// throws <see cref="InvalidOperationException"/> with an explanation when the file does not
    /// match the database. Requires <c>AddSmsVerification</c>.
    /// </summary>
    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await services.GetRequiredService<PepperGuard>().GetPepperAsync(cancellationToken);
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The checked pepper (64 hex characters). The check runs once; a failure is retried next time.</summary>
    internal async Task<string> GetPepperAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _pepper) is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_pepper is null)
            {
                var pepper = await CheckAsync(_dataSource, PepperPath, cancellationToken);
                LogPepperChecked(PepperFile.Fingerprint(pepper)[..8]);
                Volatile.Write(ref _pepper, pepper);
            }

            return _pepper;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The check itself; returns the pepper text.</summary>
    internal static async Task<string> CheckAsync(NpgsqlDataSource dataSource, string pepperPath, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var recorded = await ReadFingerprintAsync(connection, cancellationToken);
        var pepper = PepperFile.TryRead(pepperPath);
        if (recorded is not null)
        {
            if (pepper is null)
            {
                throw new InvalidOperationException(
                    $"The database records a phone-hash pepper (fingerprint {recorded[..8]}…) but the pepper file {pepperPath} " +
                    "does not exist. Restore pepper.txt from a backup (Homegate:DataDir). homegate will not create a new pepper: " +
                    "that would silently reset every SMS verification limit.");
            }

            Mismatch(recorded, pepper, pepperPath);
            return pepper;
        }

        pepper ??= PepperFile.Create(pepperPath);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO homegate_settings (key, value, updated_at) VALUES (@Key, @Value, now())
            ON CONFLICT (key) DO NOTHING
            """,
            new { Key = FingerprintKey, Value = PepperFile.Fingerprint(pepper) },
            cancellationToken: cancellationToken));

        // Another instance may have recorded its pepper between our read and our insert.
        Mismatch(await ReadFingerprintAsync(connection, cancellationToken) ?? string.Empty, pepper, pepperPath);
        return pepper;
    }

    private static void Mismatch(string recorded, string pepper, string pepperPath)
    {
        var actual = PepperFile.Fingerprint(pepper);
        if (!string.Equals(actual, recorded, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The pepper file {pepperPath} (fingerprint {actual[..8]}…) is not the pepper the database records " +
                $"(fingerprint {(recorded.Length >= 8 ? recorded[..8] : recorded)}…). Restore the original pepper.txt " +
                "(Homegate:DataDir) or point homegate at the matching database: a different pepper would silently reset " +
                "every SMS verification limit.");
        }
    }

    private static Task<string?> ReadFingerprintAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT value FROM homegate_settings WHERE key = @Key",
            new { Key = FingerprintKey },
            cancellationToken: cancellationToken));

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Phone-hash pepper checked (fingerprint {FingerprintPrefix})")]
    private partial void LogPepperChecked(string fingerprintPrefix);
}
