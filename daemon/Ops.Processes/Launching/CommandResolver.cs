using Ops.Processes.Native;

namespace Ops.Processes.Launching;

/// <summary>Finds the executable for a command the way execvp would, but ahead of the spawn so errors are clear.</summary>
public static class CommandResolver
{
    // glibc's execvp default when PATH is unset.
    private const string DefaultPath = "/bin:/usr/bin";

    /// <summary>
    /// A command with a '/' is a path (relative ones to <paramref name="workingDirectory"/>, where the child will
    /// run); any other is searched on <paramref name="pathVariable"/>. Returns the absolute path of an executable
    /// file, or null when there is none.
    /// </summary>
    public static string? Resolve(string command, string? pathVariable, string workingDirectory)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            string candidate = Path.GetFullPath(command, workingDirectory);
            return IsExecutableFile(candidate) ? candidate : null;
        }

        foreach (string directory in (pathVariable ?? DefaultPath).Split(':'))
        {
            // An empty PATH entry means the current directory (POSIX).
            string candidate = Path.GetFullPath(Path.Combine(directory.Length == 0 ? "." : directory, command), workingDirectory);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutableFile(string path) =>
        File.Exists(path) && Libc.access(path, LinuxConstants.X_OK) == 0;
}
