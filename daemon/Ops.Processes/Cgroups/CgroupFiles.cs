using System.Globalization;
using System.Text;
using Ops.Processes.Native;

namespace Ops.Processes.Cgroups;

/// <summary>
/// Reads and writes cgroup control files. Writes go through write(2) on a fresh descriptor, one value per call,
/// because the kernel parses each write as one command and reports its error (EBUSY, EINVAL) from that call.
/// </summary>
internal static unsafe class CgroupFiles
{
    /// <summary>Writes <paramref name="value"/> to the control file <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be opened or the kernel refused the value; the message says why.</exception>
    public static void Write(string path, string value)
    {
        if (!TryWrite(path, value, out string? error))
        {
            throw new IOException(error);
        }
    }

    /// <summary>Writes <paramref name="value"/>; false with the kernel's reason when it cannot.</summary>
    public static bool TryWrite(string path, string value, out string? error)
    {
        int fd = Libc.open(path, LinuxConstants.O_WRONLY | LinuxConstants.O_CLOEXEC);
        if (fd < 0)
        {
            error = $"cannot open {path}: {Errno.Describe(Errno.Last)}";
            return false;
        }

        try
        {
            byte[] bytes = Encoding.ASCII.GetBytes(value);
            fixed (byte* buffer = bytes)
            {
                if (Libc.write(fd, buffer, (nuint)bytes.Length) < 0)
                {
                    error = $"writing \"{value}\" to {path} failed: {Errno.Describe(Errno.Last)}";
                    return false;
                }
            }

            error = null;
            return true;
        }
        finally
        {
            FileDescriptors.Close(fd);
        }
    }

    /// <summary>The file's text, or null when it does not exist (or vanished with its cgroup).</summary>
    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A file holding one number ("max" reads as null).</summary>
    public static long? TryReadNumber(string path) =>
        TryRead(path) is { } text && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;

    /// <summary>One key of a flat-keyed file ("populated 1", "usage_usec 1234", "oom_kill 2").</summary>
    public static long? TryReadKey(string path, string key)
    {
        if (TryRead(path) is not { } text)
        {
            return null;
        }

        foreach (string line in text.Split('\n'))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key)
                && long.TryParse(line.AsSpan(space + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The pids in a cgroup.procs file; empty when the cgroup is gone.</summary>
    public static IReadOnlyList<int> ReadPids(string procsPath)
    {
        if (TryRead(procsPath) is not { } text)
        {
            return [];
        }

        var pids = new List<int>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }
}
