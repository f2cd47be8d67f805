using System.Security.Cryptography;
using Homegate.Verification.Crypto;

namespace Homegate.Verification.Sms;

/// <summary>
/// <c>&lt;DataDir&gt;/pepper.txt</c>: 64 lowercase hex characters (32 random bytes), no newline,
/// mode 0600 (docs/api.md §4, "Phone hash"). Read trimmed; anything else is an error naming the file.
/// </summary>
internal static class PepperFile
{
    public const string FileName = "pepper.txt";

    /// <summary>The pepper text, or null when the file does not exist.</summary>
    public static string? TryRead(string path)
    {
        SecretFiles.EnsurePrivateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, "the data directory (Homegate:DataDir)");
        SecretFiles.EnsurePrivateFile(path, "the pepper file");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        var pepper = text.Trim();
        if (!IsWellFormed(pepper))
        {
            throw new InvalidOperationException(
                $"The pepper file {path} must hold exactly 64 lowercase hexadecimal characters (32 bytes).");
        }

        return pepper;
    }

    /// <summary>
    /// Creates a new random pepper file (and the directory, mode 0700). If another process created
    /// it first, its pepper wins and is returned.
    /// </summary>
    public static string Create(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var pepper = Convert.ToHexStringLower(random);

        // Write a private temporary file, then move it into place without overwriting, so a
        // concurrent starter never reads a half-written pepper.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            writer.Write(pepper);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
            return pepper;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return TryRead(path) ?? throw new InvalidOperationException($"The pepper file {path} vanished while being created.");
        }
    }

    /// <summary>
    /// A fingerprint safe to store: hex BLAKE2b-256 of <c>"homegate-pepper-fingerprint:" + pepper</c>.
    /// It identifies the pepper without revealing it (the pepper has 256 bits of entropy).
    /// </summary>
    public static string Fingerprint(string pepper)
    {
        var input = System.Text.Encoding.ASCII.GetBytes("homegate-pepper-fingerprint:" + pepper);
        Span<byte> output = stackalloc byte[32];
        NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(input, output);
        return Convert.ToHexStringLower(output);
    }

    private static bool IsWellFormed(string pepper)
        => pepper.Length == 64 && pepper.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
