using System.Runtime.InteropServices;

namespace Homegate.Verification.Permits;

/// <summary>
/// Publishes a finished file under its final name only if that name is free, atomically.
/// <see cref="File.Move(string, string, bool)"/> without overwrite is not enough on Unix: .NET checks
/// for the destination and then calls rename(2), which replaces a file created in between.
/// link(2) fails with EEXIST instead, so exactly one of several racing processes wins.
/// </summary>
internal static partial class NoReplaceMove
{
    private const int EEXIST = 17; // the same on Linux and macOS

    /// <summary>Moves <paramref name="source"/> to <paramref name="destination"/>; false if the destination already exists.</summary>
    public static bool TryMove(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            // MoveFileEx without MOVEFILE_REPLACE_EXISTING is atomic and refuses an existing target.
            return MoveOrFalse(source, destination);
        }

        int rc, error;
        try
        {
            rc = link(source, destination);
            error = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return MoveOrFalse(source, destination);
        }

        if (rc == 0)
        {
            File.Delete(source);
            return true;
        }

        if (error == EEXIST)
        {
            return false;
        }

        // A file system without hard links (some FUSE or FAT mounts): best effort.
        return MoveOrFalse(source, destination);
    }

    private static bool MoveOrFalse(string source, string destination)
    {
        try
        {
            File.Move(source, destination, overwrite: false);
            return true;
        }
        catch (IOException) when (Path.Exists(destination))
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int link(string oldpath, string newpath);
}
