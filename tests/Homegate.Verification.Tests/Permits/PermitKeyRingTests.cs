using Homegate.Verification.Permits;

namespace Homegate.Verification.Tests.Permits;

// Unix file modes: homegate refuses secrets open to group or others.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PermitKeyRingTests : IDisposable
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "homegate-keyring-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void First_load_creates_an_owner_only_key_file_in_a_new_owner_only_directory()
    {
        var dataDir = Path.Combine(_root, "data");

        var ring = PermitKeyRing.LoadOrCreate(dataDir, []);

        var file = Path.Combine(dataDir, PermitKeyRing.SigningKeyFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir));
        var text = File.ReadAllText(file);
        Assert.StartsWith("k4.secret.", text, StringComparison.Ordinal);
        Assert.True(Paserk.TryParseSecretKey(text, out var sk));
        Assert.Equal(ring.Signing.PublicKey, sk[32..]);
        Assert.Equal([PermitKeyRing.SigningKeyFileName], Directory.GetFiles(dataDir).Select(Path.GetFileName));
    }

    [Fact]
    public void Second_load_reuses_the_key_and_tolerates_surrounding_whitespace()
    {
        var first = PermitKeyRing.LoadOrCreate(_root, []);
        var file = Path.Combine(_root, PermitKeyRing.SigningKeyFileName);
        File.WriteAllText(file, File.ReadAllText(file) + "\n");

        var second = PermitKeyRing.LoadOrCreate(_root, []);

        Assert.Equal(first.Signing.Kid, second.Signing.Kid);
    }

    [Fact]
    public void An_invalid_key_file_is_an_error_naming_it_and_is_not_replaced()
    {
        Directory.CreateDirectory(_root, OwnerOnlyDirectory);
        var file = Path.Combine(_root, PermitKeyRing.SigningKeyFileName);
        File.WriteAllText(file, "k4.secret.garbage");
        File.SetUnixFileMode(file, OwnerOnlyFile);

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Equal("k4.secret.garbage", File.ReadAllText(file));
    }

    [Fact]
    public void A_key_file_with_a_mismatched_public_half_is_an_error()
    {
        Directory.CreateDirectory(_root, OwnerOnlyDirectory);
        var sk = PermitKey.Generate().SecretKey!;
        sk[63] ^= 1;
        File.WriteAllText(Path.Combine(_root, PermitKeyRing.SigningKeyFileName), Paserk.SecretKey(sk));
        File.SetUnixFileMode(Path.Combine(_root, PermitKeyRing.SigningKeyFileName), OwnerOnlyFile);

        Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));
    }

    [Fact]
    public void An_unreadable_key_path_is_an_error_naming_it()
    {
        var path = Path.Combine(_root, PermitKeyRing.SigningKeyFileName);
        Directory.CreateDirectory(_root, OwnerOnlyDirectory);
        Directory.CreateDirectory(path, OwnerOnlyDirectory); // unreadable as a file, whatever user runs the tests

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_first_loads_agree_on_one_key_and_leave_no_temp_files()
    {
        const int Threads = 8;

        // Several rounds: one lost race is enough to leave two processes signing with different keys.
        for (var round = 0; round < 20; round++)
        {
            var dataDir = Path.Combine(_root, "round" + round);
            using var barrier = new Barrier(Threads);
            var kids = new string[Threads];
            var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
            {
                barrier.SignalAndWait();
                kids[i] = PermitKeyRing.LoadOrCreate(dataDir, []).Signing.Kid;
            })).ToList();

            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.Single(kids.Distinct());
            Assert.NotNull(kids[0]);
            Assert.Equal(PermitKeyRing.LoadOrCreate(dataDir, []).Signing.Kid, kids[0]);
            Assert.Single(Directory.GetFiles(dataDir));
        }
    }

    [Fact]
    public void Trusted_keys_are_verify_only_and_listed_after_the_signing_key()
    {
        var other = PermitKey.Generate();

        var ring = PermitKeyRing.LoadOrCreate(_root, [other.Paserk, " " + other.Paserk + " "]);

        Assert.Equal([ring.Signing.Kid, other.Kid], ring.All.Select(k => k.Kid));
        Assert.True(ring.TryGet(other.Kid, out var found));
        Assert.False(found.CanSign);
        Assert.True(ring.TryGet(ring.Signing.Kid, out var signing));
        Assert.True(signing.CanSign);
        Assert.False(ring.TryGet("k4.pid.unknown", out _));
    }

    [Fact]
    public void An_invalid_trusted_key_is_an_error_naming_the_setting_without_echoing_it()
    {
        var secret = Paserk.SecretKey(PermitKey.Generate().SecretKey!);

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, [secret]));

        Assert.Contains("Homegate:Permits:TrustedKeys", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, PermitKeyRing.SigningKeyFileName)));
    }

    [Fact]
    public void A_ring_from_an_in_memory_secret_signs_with_that_key()
    {
        var key = PermitKey.Generate();

        var ring = PermitKeyRing.FromSecretKey(key.SecretKey!);

        Assert.Equal(key.Kid, ring.Signing.Kid);
        Assert.Single(ring.All);
    }

    [Fact]
    public void An_existing_key_file_readable_by_others_refuses_to_load_naming_the_chmod()
    {
        PermitKeyRing.LoadOrCreate(_root, []);
        var file = Path.Combine(_root, PermitKeyRing.SigningKeyFileName);
        File.SetUnixFileMode(file, OwnerOnlyFile | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{file}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_key_file_writable_by_the_group_refuses_to_load()
    {
        PermitKeyRing.LoadOrCreate(_root, []);
        var file = Path.Combine(_root, PermitKeyRing.SigningKeyFileName);
        File.SetUnixFileMode(file, OwnerOnlyFile | UnixFileMode.GroupWrite);

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));

        Assert.Contains($"chmod 600 '{file}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_directory_open_to_the_group_refuses_to_load_and_creates_no_key()
    {
        Directory.CreateDirectory(_root, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.SetUnixFileMode(_root, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute); // whatever the umask

        var error = Assert.Throws<InvalidOperationException>(() => PermitKeyRing.LoadOrCreate(_root, []));

        Assert.Contains($"chmod 700 '{_root}'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, PermitKeyRing.SigningKeyFileName)));
    }
}
