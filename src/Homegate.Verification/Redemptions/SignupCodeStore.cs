using Dapper;
using Npgsql;

namespace Homegate.Verification.Redemptions;

/// <summary>A stored code: its hash and the facts of the verification it stands for.</summary>
public sealed record SignupCodeRow(byte[] CodeHash, string Jti, string Method, string? Subject, string Audience, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>How a code stands, for the invitation page: the code row and its verification's redemption state.</summary>
public sealed record SignupCodeState(string Method, string Audience, DateTimeOffset ExpiresAt, string? RedemptionState, DateTimeOffset? LeaseExpiresAt);

/// <summary>The <c>signup_codes</c> table. Every lookup is one primary-key query.</summary>
public sealed class SignupCodeStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores <paramref name="rows"/> in one statement. A row whose hash exists for the same jti only
    /// extends its expiry (a re-read Lightning verification); one whose hash belongs to another jti (a
    /// 60-bit collision) is left out. Returns the hashes that now stand for their jti.
    /// </summary>
    public async Task<HashSet<string>> UpsertAsync(IReadOnlyList<SignupCodeRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stored = await connection.QueryAsync<byte[]>(new CommandDefinition(
            """
            INSERT INTO signup_codes AS c (code_hash, jti, method, subject, audience, issued_at, expires_at)
            SELECT * FROM unnest(@hashes, @jtis, @methods, @subjects, @audiences, @issued, @expires)
            ON CONFLICT (code_hash) DO UPDATE SET expires_at = GREATEST(c.expires_at, excluded.expires_at)
                WHERE c.jti = excluded.jti
            RETURNING c.code_hash
            """,
            new
            {
                hashes = rows.Select(r => r.CodeHash).ToArray(),
                jtis = rows.Select(r => r.Jti).ToArray(),
                methods = rows.Select(r => r.Method).ToArray(),
                subjects = rows.Select(r => r.Subject).ToArray(),
                audiences = rows.Select(r => r.Audience).ToArray(),
                issued = rows.Select(r => r.IssuedAt.UtcDateTime).ToArray(),
                expires = rows.Select(r => r.ExpiresAt.UtcDateTime).ToArray(),
            },
            cancellationToken: cancellationToken));
        return stored.Select(Convert.ToHexString).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The code with this hash, or null.</summary>
    public async Task<SignupCodeRow?> FindAsync(byte[] codeHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            """
            SELECT jti AS Jti, method AS Method, subject AS Subject, audience AS Audience,
                   issued_at AS IssuedAt, expires_at AS ExpiresAt
              FROM signup_codes WHERE code_hash = @codeHash
            """,
            new { codeHash },
            cancellationToken: cancellationToken));
        return row is null ? null : new SignupCodeRow(codeHash, row.Jti, row.Method, row.Subject, row.Audience, Utc(row.IssuedAt), Utc(row.ExpiresAt));
    }

    /// <summary>The code with this hash and its verification's redemption state (null: never reserved), or null.</summary>
    public async Task<SignupCodeState?> GetStateAsync(byte[] codeHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(
            """
            SELECT c.method AS Method, c.audience AS Audience, c.expires_at AS ExpiresAt,
                   r.state AS RedemptionState, r.lease_expires_at AS LeaseExpiresAt
              FROM signup_codes c LEFT JOIN permit_redemptions r ON r.jti = c.jti
             WHERE c.code_hash = @codeHash
            """,
            new { codeHash },
            cancellationToken: cancellationToken));
        return row is null ? null : new SignupCodeState(row.Method, row.Audience, Utc(row.ExpiresAt), row.RedemptionState,
            row.LeaseExpiresAt is { } lease ? Utc(lease) : null);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed record Row(string Jti, string Method, string? Subject, string Audience, DateTime IssuedAt, DateTime ExpiresAt);

    private sealed record StateRow(string Method, string Audience, DateTime ExpiresAt, string? RedemptionState, DateTime? LeaseExpiresAt);
}
