using Dapper;
using Homegate.Fakes;
using Homegate.Verification.Sms;

namespace Homegate.Verification.Tests.Sms;

// Unix file modes: homegate refuses secrets open to group or others.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PepperGuardTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Join(Path.GetTempPath(), "homegate-pepper-" + Guid.NewGuid().ToString("N"));
    private TestDatabase _db = null!;

    private string PepperPath => Path.Join(_dataDir, "pepper.txt");

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task First_start_creates_a_private_pepper_file_and_records_its_fingerprint()
    {
        var pepper = await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None);

        var text = await File.ReadAllTextAsync(PepperPath);
        Assert.Equal(pepper, text);
        Assert.Matches("^[0-9a-f]{64}$", text); // and no newline
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PepperPath));
        }

        var recorded = await FingerprintAsync();
        Assert.Equal(PepperFile.Fingerprint(pepper), recorded);
        Assert.DoesNotContain(pepper, recorded, StringComparison.Ordinal);
        Assert.Equal(pepper, await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));
    }

    [Fact]
    public async Task Missing_pepper_file_with_a_recorded_fingerprint_refuses_to_start_and_creates_nothing()
    {
        await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None);
        File.Delete(PepperPath);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains(PepperPath, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(PepperPath));
    }

    [Fact]
    public async Task Different_pepper_file_refuses_to_start()
    {
        await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None);
        await File.WriteAllTextAsync(PepperPath, new string('a', 64));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));

        Assert.Contains("is not the pepper the database records", error.Message, StringComparison.Ordinal);
        Assert.Equal(new string('a', 64), await File.ReadAllTextAsync(PepperPath));
    }

    [Fact]
    public async Task Existing_pepper_file_is_adopted_trimmed_on_a_fresh_database()
    {
        Directory.CreateDirectory(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var pepper = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        await File.WriteAllTextAsync(PepperPath, pepper + "\n");
        File.SetUnixFileMode(PepperPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(pepper, await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));
        Assert.Equal(PepperFile.Fingerprint(pepper), await FingerprintAsync());
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef")]
    [InlineData("not a pepper")]
    public async Task Malformed_pepper_file_is_an_error(string content)
    {
        Directory.CreateDirectory(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(PepperPath, content);
        File.SetUnixFileMode(PepperPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));
        Assert.Contains("64 lowercase hexadecimal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pepper_file_readable_by_others_refuses_to_start_naming_the_chmod()
    {
        await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None);
        File.SetUnixFileMode(PepperPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));

        Assert.Contains($"chmod 600 '{PepperPath}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_directory_writable_by_others_refuses_to_start_naming_the_chmod()
    {
        await PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None);
        File.SetUnixFileMode(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PepperGuard.CheckAsync(_db.DataSource, PepperPath, CancellationToken.None));

        Assert.Contains($"chmod 700 '{_dataDir}'", error.Message, StringComparison.Ordinal);
    }

    private async Task<string?> FingerprintAsync()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT value FROM homegate_settings WHERE key = @Key", new { Key = PepperGuard.FingerprintKey });
    }
}
