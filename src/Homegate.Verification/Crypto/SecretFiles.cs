namespace Homegate.Verification.Crypto;

/// <summary>
/// Refuses secrets that other local users could read or change: the permit signing key, the pepper
/// and the DataDir holding them must not be readable or writable by group or others.
/// </summary>
internal static class SecretFiles
{
    private const UnixFileMode GroupOrOthersReadWrite =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Throws naming <paramref name="path"/> and the chmod to run when the directory is open to group or others. A missing directory passes.</summary>
    public static void EnsurePrivateDirectory(string path, string what) => Ensure(path, what, "700");

    /// <summary>Throws naming <paramref name="path"/> and the chmod to run when the file is open to group or others. A missing file passes.</summary>
    public static void EnsurePrivateFile(string path, string what) => Ensure(path, what, "600");

    private static void Ensure(string path, string what, string mode)
    {
        if (OperatingSystem.IsWindows() || !Path.Exists(path))
        {
            return;
        }

        UnixFileMode actual;
        try
        {
            actual = File.GetUnixFileMode(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the permissions of {what} {path}: {e.Message}", e);
        }

        if ((actual & GroupOrOthersReadWrite) != 0)
        {
            var full = Path.GetFullPath(path);
            throw new InvalidOperationException(
                $"{char.ToUpperInvariant(what[0])}{what[1..]} {full} is readable or writable by group or others " +
                $"(mode {Convert.ToString((int)actual, 8)}); homegate refuses to use it. Run: chmod {mode} '{full}'");
        }
    }
}
