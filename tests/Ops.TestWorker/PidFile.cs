using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Ops.TestWorker;

/// <summary>
/// Appends "pid\n" with O_APPEND in one write, so a worker and its grandchildren appending at once never
/// interleave or overwrite (FileMode.Append seeks instead, which races between processes).
/// </summary>
internal static partial class PidFile
{
    private const int O_WRONLY = 0x1;
    private const int O_CREAT = 0x40;
    private const int O_APPEND = 0x400;
    private const int O_CLOEXEC = 0x80000;

    public static unsafe void Append(string path, int pid)
    {
        byte[] line = Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture) + "\n");
        int fd = Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0b110_100_100);
        if (fd < 0)
        {
            throw new IOException($"cannot open pid file {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            fixed (byte* bytes = line)
            {
                if (Write(fd, bytes, (nuint)line.Length) != line.Length)
                {
                    throw new IOException($"cannot write pid file {path}: errno {Marshal.GetLastPInvokeError()}");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
