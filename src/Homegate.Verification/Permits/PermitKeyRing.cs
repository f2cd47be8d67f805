using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Permits;

/// <summary>
/// The permit signing key (kept in <c>&lt;DataDir&gt;/permit-signing-key.paserk</c>) and the verify-only
/// keys from <c>Homegate:Permits:TrustedKeys</c>, looked up by PASERK id.
/// </summary>
public sealed class PermitKeyRing
{
    public const string SigningKeyFileName = "permit-signing-key.paserk";

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Dictionary<string, PermitKey> _byKid;

    public PermitKeyRing(PermitKey signing, IEnumerable<PermitKey> verifyOnly)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentNullException.ThrowIfNull(verifyOnly);
        if (!signing.CanSign)
        {
            throw new ArgumentException("The signing key needs its secret half.", nameof(signing));
        }

        Signing = signing;
        _byKid = new Dictionary<string, PermitKey>(StringComparer.Ordinal) { [signing.Kid] = signing };
        var all = new List<PermitKey> { signing };
        foreach (var key in verifyOnly)
        {
            // The same key listed twice (or our own key listed as trusted) is one key.
            if (_byKid.TryAdd(key.Kid, key))
            {
                all.Add(key);
            }
        }

        All = all.AsReadOnly();
    }

    /// <summary>The key new permits are signed with.</summary>
    public PermitKey Signing { get; }

    /// <summary>Every key that verifies permits, the signing key first.</summary>
    public IReadOnlyList<PermitKey> All { get; }

    public bool TryGet(string kid, [MaybeNullWhen(false)] out PermitKey key) => _byKid.TryGetValue(kid, out key);

    /// <summary>A ring around an in-memory secret key (tests, tools).</summary>
    public static PermitKeyRing FromSecretKey(ReadOnlySpan<byte> sk64, IEnumerable<string>? trustedKeys = null)
        => new(PermitKey.FromSecretKey(sk64), ParseTrustedKeys(trustedKeys ?? []));

    /// <summary>
    /// Loads the signing key from <paramref name="dataDir"/>, creating it on first use. Safe when several
    /// processes share the directory: the file appears atomically, complete, and the first one wins.
    /// A present file that cannot be read or parsed is an error, never replaced.
    /// </summary>
    public static PermitKeyRing LoadOrCreate(string dataDir, IEnumerable<string> trustedKeys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        ArgumentNullException.ThrowIfNull(trustedKeys);
        var trusted = ParseTrustedKeys(trustedKeys);
        var path = Path.Combine(dataDir, SigningKeyFileName);
        SecretFiles.EnsurePrivateDirectory(dataDir, "the data directory (Homegate:DataDir)");
        SecretFiles.EnsurePrivateFile(path, "the permit signing key file");
        var signing = Path.Exists(path) ? Load(path) : CreateOrLoad(dataDir, path);
        return new PermitKeyRing(signing, trusted);
    }

    internal static List<PermitKey> ParseTrustedKeys(IEnumerable<string> trustedKeys)
    {
        var keys = new List<PermitKey>();
        var index = 0;
        foreach (var text in trustedKeys)
        {
            // The value is not echoed: a secret key pasted here by mistake must not reach the logs.
            if (!Paserk.TryParsePublicKey(text?.Trim(), out var pk))
            {
                throw new InvalidOperationException(
                    $"{PermitOptions.SectionName}:TrustedKeys:{index} is not a PASERK public key (expected k4.public. followed by 43 base64url characters).");
            }

            keys.Add(PermitKey.FromPublicKey(pk));
            index++;
        }

        return keys;
    }

    private static PermitKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The permit signing key file {path} exists but cannot be read: {e.Message}", e);
        }

        if (!Paserk.TryParseSecretKey(text.Trim(), out var sk))
        {
            throw new InvalidOperationException(
                $"The permit signing key file {path} does not hold a valid k4.secret PASERK key. " +
                "Restore it, or delete it to create a new key (permits signed by the old key will no longer verify).");
        }

        try
        {
            return PermitKey.FromSecretKey(sk);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    private static PermitKey CreateOrLoad(string dataDir, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
        }
        else
        {
            // The mode applies only when the directory is new; an existing one is left as the operator made it.
            Directory.CreateDirectory(dataDir, OwnerOnlyDirectory);
        }

        var secretKey = Ed25519Keys.NewSecretKey();
        var temp = Path.Combine(dataDir, $".{SigningKeyFileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteOwnerOnly(temp, Paserk.SecretKey(secretKey));

            // Another process may have created the key since our check: then theirs wins and we use it.
            return NoReplaceMove.TryMove(temp, path) ? PermitKey.FromSecretKey(secretKey) : Load(path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretKey);
            File.Delete(temp);
        }
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(content));
        stream.Flush(flushToDisk: true);
    }
}
