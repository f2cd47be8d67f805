using Dapper;
using Npgsql;

namespace Homegate.Verification.Sms;

/// <summary>
/// The per-number caps checked before a code is sent (API.md §4), atomically under the number's
/// advisory lock so concurrent send_code calls (on any instance) cannot overshoot: no send within
/// <c>FailedAttemptsWindow</c> of a burn, no pending session re-bound to another pubky or homeserver, and at most
/// <c>MaxCodeSendsPerHour</c> sends reaching Prelude in any hour. A send that passes is counted at
/// once, before Prelude is called: it is a send whatever Prelude answers.
/// </summary>
internal sealed class SmsSendCaps(NpgsqlDataSource dataSource)
{
    public static readonly TimeSpan SendWindow = TimeSpan.FromHours(1);

    public async Task<SendCapCheck> ReserveSendAsync(
        string phoneHash, string? subject, string? homeserver, DateTimeOffset now, int maxSendsPerHour, TimeSpan failedAttemptsWindow, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await SmsRepository.LockAsync(connection, tx, phoneHash, cancellationToken);

        var lastBurn = await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(
            "SELECT max(at) FROM sms_number_events WHERE phone_hash = @PhoneHash AND kind = 'burn' AND at > @Since",
            new { PhoneHash = phoneHash, Since = now - failedAttemptsWindow }, tx, cancellationToken: cancellationToken));
        if (lastBurn is { } burnedAt)
        {
            return new SendCapCheck(SendCap.TooManyAttempts, Utc(burnedAt) + failedAttemptsWindow - now);
        }

        var bound = await connection.QuerySingleOrDefaultAsync<CompletedRow>(new CommandDefinition(
            """
            SELECT id AS Id, subject AS Subject, homeserver AS Homeserver FROM sms_sessions
            WHERE phone_hash = @PhoneHash AND state = 'pending' AND expires_at > @Now
            """,
            new { PhoneHash = phoneHash, Now = now }, tx, cancellationToken: cancellationToken));
        if (bound is not null && bound.BoundElsewhere(subject, homeserver))
        {
            return new SendCapCheck(SendCap.VerificationPending, TimeSpan.Zero);
        }

        // The most recent sends, enough to know when the oldest that counts leaves the hour.
        var recent = (await connection.QueryAsync<DateTime>(new CommandDefinition(
            """
            SELECT at FROM sms_number_events
            WHERE phone_hash = @PhoneHash AND kind = 'send' AND at > @Since
            ORDER BY at DESC LIMIT @Take
            """,
            new { PhoneHash = phoneHash, Since = now - SendWindow, Take = maxSendsPerHour }, tx, cancellationToken: cancellationToken))).ToList();
        if (recent.Count >= maxSendsPerHour)
        {
            return new SendCapCheck(SendCap.RateLimited, Utc(recent[^1]) + SendWindow - now);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sms_number_events (phone_hash, kind, at) VALUES (@PhoneHash, 'send', @Now)",
            new { PhoneHash = phoneHash, Now = now }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return SendCapCheck.Allowed;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

internal enum SendCap
{
    Allowed,
    TooManyAttempts,
    VerificationPending,
    RateLimited,
}

/// <summary>Whether a send may go ahead, and if not, which cap refused it and for how long.</summary>
internal sealed record SendCapCheck(SendCap Cap, TimeSpan RetryAfter)
{
    public static readonly SendCapCheck Allowed = new(SendCap.Allowed, TimeSpan.Zero);
}
