namespace Ops.Processes.Native;

/// <summary>Linux and glibc constants (x86_64 and aarch64 agree on all of them).</summary>
internal static class LinuxConstants
{
    // Clocks.

    /// <summary>clock_gettime: time since boot, suspend included; what /proc/&lt;pid&gt;/stat's start time counts.</summary>
    public const int CLOCK_BOOTTIME = 7;

    /// <summary>sysconf: clock ticks per second (USER_HZ), the unit of /proc/&lt;pid&gt;/stat's start time.</summary>
    public const int _SC_CLK_TCK = 2;

    // errno values.
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;

    // Signals.
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGSTOP = 19;

    /// <summary>The classic signals 1..31; real-time signals are not reset for children (none are ignored by .NET).</summary>
    public const int LastClassicSignal = 31;

    // open/fcntl flags.
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 0x1;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int X_OK = 1;
    public const int W_OK = 2;

    // inotify_init1 flags and event masks.
    public const int IN_NONBLOCK = 0x800;
    public const int IN_CLOEXEC = 0x80000;
    public const uint IN_MODIFY = 0x2;

    // posix_spawnattr_setflags (glibc spawn.h).
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSID = 0x80;

    // Generous sizes for opaque glibc structs (336, 80 and 128 bytes on x86_64) so a larger layout never overflows.
    public const int SpawnAttributesSize = 1024;
    public const int SpawnFileActionsSize = 1024;
    public const int SigSetSize = 256;

    // epoll.
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLONESHOT = 1u << 30;

    /// <summary>pidfd_open(2); the same number on every architecture that has it.</summary>
    public const int SYS_pidfd_open = 434;

    /// <summary>pidfd_send_signal(2); the same number on every architecture that has it.</summary>
    public const int SYS_pidfd_send_signal = 424;
}
