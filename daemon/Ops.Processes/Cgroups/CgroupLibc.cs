using System.Runtime.InteropServices;

namespace Ops.Processes.Cgroups;

/// <summary>
/// The libc calls the cgroup edge needs beyond <see cref="Native.Libc"/>: inotify for cgroup.events and opening
/// directories and control files as descriptors a spawned child can use before it execs.
/// </summary>
internal static unsafe partial class CgroupLibc
{
    private const string Library = "libc";

    public const int O_WRONLY = 0x1;
    public const int O_DIRECTORY = 0x10000;
    public const int IN_NONBLOCK = 0x800;
    public const int IN_CLOEXEC = 0x80000;
    public const uint IN_MODIFY = 0x2;
    public const uint IN_IGNORED = 0x8000;
    public const int W_OK = 2;
    public const int EBUSY = 16;

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int inotify_init1(int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int inotify_add_watch(int fd, string path, uint mask);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int inotify_rm_watch(int fd, int watch);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open_path(string path, int flags);

    [LibraryImport(Library, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int access_path(string path, int mode);
}
