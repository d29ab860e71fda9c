using System.ComponentModel;
using System.Runtime.CompilerServices;
using Ops.Processes.Events;
using Ops.Processes.Native;

namespace Ops.Processes.Cgroups;

/// <summary>
/// Waits for cgroups to empty as an event: one inotify descriptor on the project's epoll loop, one IN_MODIFY watch
/// per watched <c>cgroup.events</c> (the kernel signals a change of <c>populated</c> as a modification of that file).
/// </summary>
internal sealed class CgroupEventWatcher : IEpollHandler
{
    private static readonly Lazy<CgroupEventWatcher> SharedWatcher = new(() => new CgroupEventWatcher(new EpollLoop("ops-cgroups")));

    private readonly int _fd;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, List<Waiter>> _waiters = [];

    public CgroupEventWatcher(EpollLoop loop)
    {
        _fd = Libc.inotify_init1(LinuxConstants.IN_NONBLOCK | LinuxConstants.IN_CLOEXEC);
        if (_fd < 0)
        {
            int errno = Errno.Last;
            throw new Win32Exception(errno, "inotify_init1 failed: " + Errno.Describe(errno));
        }

        loop.Add(_fd, LinuxConstants.EPOLLIN, this);
    }

    /// <summary>The process-wide watcher (its loop thread lives as long as the process, as every epoll loop does).</summary>
    public static CgroupEventWatcher Shared => SharedWatcher.Value;

    /// <summary>True when the cgroup whose <c>cgroup.events</c> is <paramref name="eventsPath"/> holds a process (false once it is gone).</summary>
    public static bool IsPopulated(string eventsPath) => CgroupFiles.TryReadKey(eventsPath, "populated") is > 0;

    /// <summary>Completes true when the cgroup says <c>populated 0</c>, false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitEmptyAsync(string eventsPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsPopulated(eventsPath))
        {
            return true;
        }

        var waiter = new Waiter(eventsPath);
        int watch;
        lock (_lock)
        {
            watch = Libc.inotify_add_watch(_fd, eventsPath, LinuxConstants.IN_MODIFY);
            if (watch < 0)
            {
                int errno = Errno.Last;
                if (errno == LinuxConstants.ENOENT)
                {
                    return true;
                }

                throw new Win32Exception(errno, $"inotify_add_watch({eventsPath}) failed: {Errno.Describe(errno)}");
            }

            if (!_waiters.TryGetValue(watch, out List<Waiter>? list))
            {
                _waiters[watch] = list = [];
            }

            list.Add(waiter);
        }

        try
        {
            // The last process may have left between the first look and the watch: look again now that it is armed.
            if (!IsPopulated(eventsPath))
            {
                return true;
            }

            try
            {
                await waiter.Emptied.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return !IsPopulated(eventsPath);
            }
        }
        finally
        {
            Disarm(watch, waiter);
        }
    }

    /// <inheritdoc/>
    public unsafe void OnReady(ulong token, uint events)
    {
        const int BufferSize = 4096;
        byte* buffer = stackalloc byte[BufferSize];
        var touched = new HashSet<int>();
        while (true)
        {
            nint count = Libc.read(_fd, buffer, BufferSize);
            if (count <= 0)
            {
                break;
            }

            // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
            for (nint offset = 0; offset + 16 <= count;)
            {
                touched.Add(Unsafe.ReadUnaligned<int>(buffer + offset));
                uint nameLength = Unsafe.ReadUnaligned<uint>(buffer + offset + 12);
                offset += 16 + (nint)nameLength;
            }
        }

        List<Waiter> ready = [];
        lock (_lock)
        {
            foreach (int watch in touched)
            {
                if (_waiters.TryGetValue(watch, out List<Waiter>? list))
                {
                    ready.AddRange(list);
                }
            }
        }

        // A removed cgroup (IN_IGNORED) reads as not populated too, so one check serves both events.
        foreach (Waiter waiter in ready.Where(w => !IsPopulated(w.EventsPath)))
        {
            waiter.Emptied.TrySetResult();
        }
    }

    private void Disarm(int watch, Waiter waiter)
    {
        lock (_lock)
        {
            if (_waiters.TryGetValue(watch, out List<Waiter>? list) && list.Remove(waiter) && list.Count == 0)
            {
                _waiters.Remove(watch);
                _ = Libc.inotify_rm_watch(_fd, watch);
            }
        }
    }

    private sealed class Waiter(string eventsPath)
    {
        public string EventsPath { get; } = eventsPath;

        public TaskCompletionSource Emptied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
