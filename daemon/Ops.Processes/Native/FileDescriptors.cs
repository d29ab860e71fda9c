using System.ComponentModel;

namespace Ops.Processes.Native;

/// <summary>Small helpers over raw file descriptors: pipes, non-blocking mode, close.</summary>
internal static unsafe class FileDescriptors
{
    /// <summary>A pipe whose both ends are close-on-exec, so no other child ever inherits them.</summary>
    public static (int ReadEnd, int WriteEnd) CreatePipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.pipe2(fds, LinuxConstants.O_CLOEXEC) != 0)
        {
            int errno = Errno.Last;
            throw new Win32Exception(errno, "pipe2 failed: " + Errno.Describe(errno));
        }

        return (fds[0], fds[1]);
    }

    /// <summary>
    /// Sets O_NONBLOCK on the parent's end only: the flag lives on the open file description, and the child's end is
    /// a different description, so the child keeps ordinary blocking stdio.
    /// </summary>
    public static void SetNonBlocking(int fd)
    {
        int flags = Libc.fcntl(fd, LinuxConstants.F_GETFL, 0);
        if (flags < 0 || Libc.fcntl(fd, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK) != 0)
        {
            int errno = Errno.Last;
            throw new Win32Exception(errno, "fcntl(O_NONBLOCK) failed: " + Errno.Describe(errno));
        }
    }

    /// <summary>Closes <paramref name="fd"/> when it is valid; errors are ignored (there is nothing left to do).</summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
    }
}
