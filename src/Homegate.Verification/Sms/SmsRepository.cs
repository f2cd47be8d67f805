using System.Buffers.Binary;
using Dapper;
using Homegate.Verification.Permits;
using Npgsql;

namespace Homegate.Verification.Sms;

/// <summary>
/// SMS sessions in PostgreSQL, keyed by phone hash only. Anything that counts or creates runs in a
/// transaction under <c>pg_advisory_xact_lock</c> on the hash, so concurrent requests for one number
/// (on any number of instances) are serialised: limits cannot overshoot and at most one session is
/// pending. Times come from the caller (its <see cref="TimeProvider"/>), not from <c>now()</c>.
/// </summary>
internal sealed class SmsRepository(NpgsqlDataSource dataSource)
{
    // Advisory-lock class for SMS: the two-key form lives in its own key space; "SMS" in ASCII.
    private const int LockClass = 0x534D53;

    /// <summary>
    /// The number's pending session if it belongs to <paramref name="homeserver"/> (the homeserver whose
    /// host sent the code; null for the one-homeserver shorthand). A session another homeserver's host
    /// opened is not this homeserver's to complete: null.
    /// </summary>
    public async Task<PendingSession?> GetPendingAsync(string phoneHash, string? homeserver, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PendingSession>(new CommandDefinition(
            """
            SELECT id AS Id, subject AS Subject, attempts AS Attempts, expires_at AS ExpiresAt
            FROM sms_sessions
            WHERE phone_hash = @PhoneHash AND state = 'pending' AND homeserver IS NOT DISTINCT FROM @Homeserver
            """,
            new { PhoneHash = phoneHash, Homeserver = homeserver }, cancellationToken: cancellationToken));
    }

    /// <summary>Checks the limits without locking: a cheap early answer before an SMS is sent.</summary>
    public async Task<LimitCheck> CheckLimitsAsync(string phoneHash, DateTimeOffset now, SmsLimits limits, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await CheckLimitsAsync(connection, null, phoneHash, now, limits, cancellationToken);
    }

    /// <summary>
    /// Records a pending session for a code Prelude has sent, or, when one is already pending (a
    /// concurrent or repeated send_code), points that one at the provider session and extends it.
    /// <paramref name="homeserver"/> is the homeserver the session is for (null: the shorthand).
    /// </summary>
    public async Task<OpenedSession> OpenSessionAsync(
        string phoneHash, string providerId, string? subject, string? homeserver, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, tx, phoneHash, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET state = 'expired' WHERE phone_hash = @PhoneHash AND state = 'pending' AND expires_at <= @Now",
            new { PhoneHash = phoneHash, Now = now }, tx, cancellationToken: cancellationToken));
        // A repeated send_code never changes what the pending session is bound to (API.md §4): one
        // naming another pubky (or binding an unbound session), or sent on another homeserver's host,
        // is refused, even if it raced past the early check in ReserveSendAsync.
        var pending = await connection.QuerySingleOrDefaultAsync<CompletedRow>(new CommandDefinition(
            "SELECT id AS Id, subject AS Subject, homeserver AS Homeserver FROM sms_sessions WHERE phone_hash = @PhoneHash AND state = 'pending' FOR UPDATE",
            new { PhoneHash = phoneHash }, tx, cancellationToken: cancellationToken));
        if (pending is { } existing)
        {
            if (existing.BoundElsewhere(subject, homeserver))
            {
                await tx.CommitAsync(cancellationToken);
                return new OpenedSession(existing.Id, Reused: true, Conflict: true);
            }

            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE sms_sessions
                SET provider_id = @ProviderId, expires_at = GREATEST(expires_at, @ExpiresAt)
                WHERE id = @Id
                """,
                new { existing.Id, ProviderId = providerId, ExpiresAt = expiresAt }, tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            return new OpenedSession(existing.Id, Reused: true);
        }

        var created = Guid.CreateVersion7(now);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sms_sessions (id, phone_hash, provider_id, subject, homeserver, state, attempts, created_at, expires_at)
            VALUES (@Id, @PhoneHash, @ProviderId, @Subject, @Homeserver, 'pending', 0, @Now, @ExpiresAt)
            """,
            new { Id = created, PhoneHash = phoneHash, ProviderId = providerId, Subject = subject, Homeserver = homeserver, Now = now, ExpiresAt = expiresAt }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new OpenedSession(created, Reused: false);
    }

    /// <summary>
    /// Counts one code attempt against the session before the provider is asked, so concurrent
    /// guesses cannot exceed the cap. False when the cap is reached or the session is no longer pending.
    /// </summary>
    public async Task<bool> TryReserveAttemptAsync(Guid sessionId, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var attempts = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "UPDATE sms_sessions SET attempts = attempts + 1 WHERE id = @Id AND state = 'pending' AND attempts < @Max RETURNING attempts",
            new { Id = sessionId, Max = maxAttempts }, cancellationToken: cancellationToken));
        return attempts is not null;
    }

    /// <summary>Gives an attempt back when the provider never judged the code (it failed or rate-limited).</summary>
    public async Task RefundAttemptAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET attempts = attempts - 1 WHERE id = @Id AND state = 'pending' AND attempts > 0",
            new { Id = sessionId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Burns a pending session after too many wrong codes and records the burn for the number, in
    /// one transaction: no fresh guesses until <c>FailedAttemptsWindow</c> has passed (API.md §4).
    /// False when the session had already ended.
    /// </summary>
    public async Task<bool> BurnAsync(Guid sessionId, string phoneHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET state = 'burned' WHERE id = @Id AND state = 'pending'",
            new { Id = sessionId }, tx, cancellationToken: cancellationToken));
        if (ended == 1)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sms_number_events (phone_hash, kind, at) VALUES (@PhoneHash, 'burn', @Now)",
                new { PhoneHash = phoneHash, Now = now }, tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return ended == 1;
    }

    /// <summary>Ends a pending session (burned, expired); false when it had already ended.</summary>
    public async Task<bool> EndAsync(Guid sessionId, SessionEnd end, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET state = @State WHERE id = @Id AND state = 'pending'",
            new { Id = sessionId, State = end == SessionEnd.Burned ? "burned" : "expired" }, cancellationToken: cancellationToken));
        return ended == 1;
    }

    /// <summary>
    /// Turns a pending session whose code Prelude accepted into a completed verification, unless
    /// that would exceed a limit (checked under the lock, counting every instance's completions).
    /// The permit is issued inside the transaction: no permit without a recorded completion.
    /// </summary>
    public async Task<CompletionOutcome> CompleteAsync(
        string phoneHash, Guid sessionId, DateTimeOffset now, SmsLimits? limits, Func<Guid, string?, IssuedPermit> issuePermit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, tx, phoneHash, cancellationToken);
        if (limits is not null)
        {
            var check = await CheckLimitsAsync(connection, tx, phoneHash, now, limits, cancellationToken);
            if (check.Exceeded is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE sms_sessions SET state = 'limited' WHERE id = @Id AND state = 'pending'",
                    new { Id = sessionId }, tx, cancellationToken: cancellationToken));
                await tx.CommitAsync(cancellationToken);
                return new CompletionOutcome(null, check);
            }
        }

        var completed = await connection.QuerySingleOrDefaultAsync<CompletedRow>(new CommandDefinition(
            """
            UPDATE sms_sessions SET state = 'verified', completed_at = @Now
            WHERE id = @Id AND state = 'pending'
            RETURNING id AS Id, subject AS Subject, homeserver AS Homeserver
            """,
            new { Id = sessionId, Now = now }, tx, cancellationToken: cancellationToken));
        if (completed is null)
        {
            return new CompletionOutcome(null, null);
        }

        var permit = issuePermit(sessionId, completed.Subject);
        await tx.CommitAsync(cancellationToken);
        return new CompletionOutcome(permit, null);
    }

    /// <summary>The latest completion within the yearly window, and whether a live session is pending.</summary>
    public async Task<(DateTimeOffset? VerifiedAt, bool Pending)> GetStatusAsync(string phoneHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<StatusRow>(new CommandDefinition(
            """
            SELECT
              (SELECT max(completed_at) FROM sms_sessions
               WHERE phone_hash = @PhoneHash AND state = 'verified' AND completed_at > @YearAgo) AS VerifiedAt,
              EXISTS (SELECT 1 FROM sms_sessions
               WHERE phone_hash = @PhoneHash AND state = 'pending' AND expires_at > @Now) AS Pending
            """,
            new { PhoneHash = phoneHash, Now = now, YearAgo = now - SmsLimits.YearWindow }, cancellationToken: cancellationToken));
        return (row.VerifiedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null, row.Pending);
    }

    /// <summary>
    /// Deletes what no limit or session needs any more: sessions that ended or went stale without
    /// completing, and completions older than the yearly window. Returns the number of rows deleted.
    /// </summary>
    public async Task<int> DeleteStaleAsync(DateTimeOffset now, CancellationToken cancellationToken, TimeSpan? keepNumberEvents = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var keep = keepNumberEvents is { } k && k > SmsSendCaps.SendWindow ? k : SmsSendCaps.SendWindow;
        var sessions = await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM sms_sessions
            WHERE (state <> 'verified' AND expires_at < @Now)
               OR (state = 'verified' AND completed_at <= @YearAgo)
            """,
            new { Now = now, YearAgo = now - SmsLimits.YearWindow }, cancellationToken: cancellationToken));
        var events = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM sms_number_events WHERE at <= @Before",
            new { Before = now - keep }, cancellationToken: cancellationToken));
        return sessions + events;
    }

    private static async Task<LimitCheck> CheckLimitsAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string phoneHash, DateTimeOffset now, SmsLimits limits, CancellationToken cancellationToken)
    {
        // The most recent completions, enough to find the one whose ageing out frees a slot.
        var recent = (await connection.QueryAsync<DateTime>(new CommandDefinition(
            """
            SELECT completed_at FROM sms_sessions
            WHERE phone_hash = @PhoneHash AND state = 'verified' AND completed_at > @YearAgo
            ORDER BY completed_at DESC
            LIMIT @Take
            """,
            new { PhoneHash = phoneHash, YearAgo = now - SmsLimits.YearWindow, Take = Math.Max(limits.PerWeek, limits.PerYear) },
            tx, cancellationToken: cancellationToken)))
            .Select(t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)))
            .ToList();
        return limits.Check(recent, now);
    }

    internal static Task<int> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string phoneHash, CancellationToken cancellationToken)
    {
        // The hash is uniformly random: its first 4 bytes make a fine lock key. A collision between
        // two numbers only serialises them.
        var key = BinaryPrimitives.ReadInt32BigEndian(Convert.FromHexString(phoneHash.AsSpan(0, 8)));
        return connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(@Class, @Key)", new { Class = LockClass, Key = key }, tx, cancellationToken: cancellationToken));
    }
}

internal sealed record PendingSession(Guid Id, string? Subject, int Attempts, DateTime ExpiresAt)
{
    public DateTimeOffset ExpiresAtUtc => new(DateTime.SpecifyKind(ExpiresAt, DateTimeKind.Utc));
}

internal sealed record CompletedRow(Guid Id, string? Subject, string? Homeserver)
{
    /// <summary>
    /// Whether a send_code for <paramref name="subject"/> on <paramref name="homeserver"/>'s host would
    /// re-bind this pending session: another pubky (a send naming none never re-binds), or another homeserver.
    /// </summary>
    public bool BoundElsewhere(string? subject, string? homeserver) =>
        (subject is not null && !string.Equals(subject, Subject, StringComparison.Ordinal))
        || !string.Equals(homeserver, Homeserver, StringComparison.Ordinal);
}

internal sealed record StatusRow(DateTime? VerifiedAt, bool Pending);

/// <summary>The session a send_code opened or reused; <c>Conflict</c>: a pending session is bound to another pubky or homeserver (nothing changed).</summary>
internal sealed record OpenedSession(Guid Id, bool Reused, bool Conflict = false);

internal enum SessionEnd
{
    Burned,
    Expired,
}

/// <summary>Either a permit, or the limit that stopped the completion, or neither (no longer pending).</summary>
internal sealed record CompletionOutcome(IssuedPermit? Permit, LimitCheck? Limited);
