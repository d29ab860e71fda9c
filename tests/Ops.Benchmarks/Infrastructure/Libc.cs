using System.Runtime.InteropServices;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>The few libc calls the harness needs that .NET does not expose: signals, FIFOs, poll, the subreaper flag.</summary>
/// <remarks>"libc" is mapped by the runtime to the C library's real soname (libc.so.6 on glibc).</remarks>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;

    // Same values on x86-64 and arm64 (asm-generic).
    internal const int O_RDWR = 0x2;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    internal const short POLLIN = 0x1;
    internal const int WNOHANG = 1;
    internal const int PR_SET_CHILD_SUBREAPER = 36;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Library)]
    internal static partial int getpgrp();

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int poll(PollFd* fds, nuint count, int timeoutMs);
}
