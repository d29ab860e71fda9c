using System.Runtime.InteropServices;

namespace Ops.Processes.Native;

/// <summary>
/// The libc calls .NET does not expose: process groups, posix_spawn, pidfd, epoll, inotify, users. Declarations only;
/// the wrappers next to this file give them safe shapes.
/// </summary>
/// <remarks>"libc" is mapped by the runtime to the C library's real soname (libc.so.6 on glibc).</remarks>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    // Process control.

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint syscall(nint number, int arg1, uint arg2);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial nint syscall(nint number, int arg1, int arg2, nint arg3, uint arg4);

    [LibraryImport(Library)]
    internal static partial int getpgrp();

    [LibraryImport(Library)]
    internal static partial uint geteuid();

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int clock_gettime(int clockId, long* timespec);

    [LibraryImport(Library)]
    internal static partial nint sysconf(int name);

    // posix_spawn: these return an error number instead of setting errno.

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int posix_spawnp(out int pid, string file, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Library)]
    internal static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Library)]
    internal static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Library)]
    internal static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Library)]
    internal static partial int posix_spawnattr_setsigdefault(void* attributes, void* signals);

    [LibraryImport(Library)]
    internal static partial int posix_spawnattr_setsigmask(void* attributes, void* signals);

    [LibraryImport(Library)]
    internal static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Library)]
    internal static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Library)]
    internal static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, string path, int flags, uint mode);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int posix_spawn_file_actions_addchdir_np(void* fileActions, string path);

    [LibraryImport(Library)]
    internal static partial int posix_spawn_file_actions_addclosefrom_np(void* fileActions, int from);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sigemptyset(void* set);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sigaddset(void* set, int signal);

    // File descriptors.

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int open(byte* path, int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int fcntl(int fd, int command, int argument);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int access(string path, int mode);

    // inotify (cgroup.events).

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int inotify_init1(int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int inotify_add_watch(int fd, string path, uint mask);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int inotify_rm_watch(int fd, int watch);

    // epoll.

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int epoll_ctl(int epollFd, int operation, int fd, byte* epollEvent);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int epoll_wait(int epollFd, byte* events, int maxEvents, int timeoutMilliseconds);

    // Users.

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int getpwnam_r(string name, Passwd* entry, byte* buffer, nuint bufferLength, Passwd** result);

    /// <summary>struct passwd of glibc on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint Uid;
        public uint Gid;
        public byte* Gecos;
        public byte* Home;
        public byte* Shell;
    }
}
