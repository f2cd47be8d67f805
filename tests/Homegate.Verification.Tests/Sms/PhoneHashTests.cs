using Homegate.Verification.Sms;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Tests.Sms;

// Unix file modes: homegate refuses secrets open to group or others.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PhoneHashTests
{
    private static readonly string ReferencePepper = Vectors().GetProperty("pepper").GetString()!;

    // tests/vectors/phone-hash.json: the Rust Homegate's hashes, so an operator can carry a database and pepper over.
    public static TheoryData<string, string> HashVectors
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var t in Vectors().GetProperty("tests").EnumerateArray())
            {
                data.Add(t.GetProperty("phone").GetString()!, t.GetProperty("hash").GetString()!);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(HashVectors))]
    public void Hash_matches_the_rust_homegate_vectors(string phone, string expected)
    {
        Assert.Equal(expected, PhoneHasher.Hash(PhoneHasher.Salt(ReferencePepper), phone));
    }

    [Fact]
    public void Salt_is_the_first_16_bytes_of_blake3_over_the_pepper_text()
    {
        Assert.Equal(Vectors().GetProperty("salt").GetString(), Convert.ToHexStringLower(PhoneHasher.Salt(ReferencePepper)));
    }

    private static System.Text.Json.JsonElement Vectors()
    {
        using var doc = Permits.TestVectors.Load("phone-hash.json");
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Beyond_the_concurrency_and_queue_bounds_requests_are_refused_at_once()
    {
        var dataDir = Path.Join(Path.GetTempPath(), "homegate-hasher-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var pepperPath = Path.Join(dataDir, "pepper.txt");
        await File.WriteAllTextAsync(pepperPath, ReferencePepper);
        File.SetUnixFileMode(pepperPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            await using var db = await Homegate.Fakes.TestDatabase.CreateAsync();
            using var guard = new PepperGuard(db.DataSource, pepperPath, NullLogger<PepperGuard>.Instance);
            using var hasher = new PhoneHasher(guard, Options.Create(new SmsOptions { HashConcurrency = 1, HashQueueLimit = 2 }));
            await hasher.HashAsync("+30123456789", CancellationToken.None); // loads the pepper

            var started = System.Diagnostics.Stopwatch.StartNew();
            var attempts = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
            {
                try
                {
                    return await hasher.HashAsync("+3012345" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
                }
                catch (SmsBusyException)
                {
                    return null;
                }
            })).ToList();
            var results = await Task.WhenAll(attempts);

            Assert.Contains(results, r => r is null);
            Assert.Contains(results, r => r is not null);
            Assert.True(results.Count(r => r is not null) < 30);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("+30123456789", true)]
    [InlineData("+12", true)]
    [InlineData("+123456789012345", true)]
    [InlineData("+1234567890123456", false)]
    [InlineData("+1", false)]
    [InlineData("+0123", false)]
    [InlineData("0030123456789", false)]
    [InlineData("+30 123456789", false)]
    [InlineData("+30123456789\n", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_strict_e164_is_a_phone_number(string? value, bool valid)
    {
        Assert.Equal(valid, PhoneNumber.IsValid(value));
    }

    [Fact]
    public void Any_plus_and_up_to_fifteen_ascii_digits_not_starting_with_zero_is_valid()
    {
        var property = FsCheck.Fluent.Prop.ForAll(
            FsCheck.Fluent.ArbMap.Default.ArbFor<ulong>(),
            n =>
            {
                var digits = (n % 999_999_999_999_999UL + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var candidate = "+" + digits;
                return PhoneNumber.IsValid(candidate) == (digits.Length >= 2);
            });
        FsCheck.Check.QuickThrowOnFailure(property);
    }
}
