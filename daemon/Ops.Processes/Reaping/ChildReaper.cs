using System.ComponentModel;
using Ops.Processes.Events;
using Ops.Processes.Native;
using Ops.Supervision.Os;

namespace Ops.Processes.Reaping;

/// <summary>
/// Turns child exits into events. One dedicated thread for the whole process blocks in epoll_wait over a pidfd
/// per child; when a pidfd turns readable the child is a zombie, so waitpid reaps it at once and the exit
/// completes the child's task. Only children spawned by Ops are watched: the .NET runtime reaps only the children
/// it started itself through System.Diagnostics.Process, so the two never race for the same pid.
/// </summary>
internal sealed class ChildReaper
{
    private readonly EpollLoop _loop = new("ops-reaper");

    private ChildReaper()
    {
    }

    /// <summary>The process-wide reaper.</summary>
    public static ChildReaper Shared { get; } = new();

    /// <summary>
    /// Starts watching child <paramref name="pid"/> (which must not have been reaped yet; an already exited child is
    /// fine: its pidfd is readable at once). The task completes once the child is reaped; <paramref name="reaped"/>,
    /// when given, runs right after on the reaping thread (it must be quick and must not throw): a thread blocked on
    /// it wakes directly, without the thread-pool hop the task's continuations take.
    /// </summary>
    public Task<ProcessExit> Watch(int pid, Action? reaped = null)
    {
        var exited = new TaskCompletionSource<ProcessExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        int pidfd = (int)Libc.syscall(LinuxConstants.SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
        {
            // Kernels before 5.3 have no pidfd: fall back to a thread blocked in waitpid for this one child.
            WatchWithThread(pid, exited, reaped);
            return exited.Task;
        }

        try
        {
            _ = _loop.Add(pidfd, LinuxConstants.EPOLLIN, new PidWatch(this, pid, pidfd, exited, reaped));
        }
        catch (Win32Exception)
        {
            // Out of epoll capacity (max_user_watches): the child must still be reaped, so fall back.
            FileDescriptors.Close(pidfd);
            WatchWithThread(pid, exited, reaped);
        }

        return exited.Task;
    }

    private static unsafe ProcessExit Reap(int pid)
    {
        int status;
        while (true)
        {
            int result = Libc.waitpid(pid, &status, 0);
            if (result == pid)
            {
                return WaitStatus.Decode(status);
            }

            int errno = Errno.Last;
            if (result < 0 && errno == LinuxConstants.EINTR)
            {
                continue;
            }

            // ECHILD: someone else reaped it (a parent of opsd that set SIGCHLD to SIG_IGN makes the runtime reap
            // all children). The status is lost; -1 is never a real exit code, so it cannot pass as success.
            return ProcessExit.Exited(-1);
        }
    }

    private static void WatchWithThread(int pid, TaskCompletionSource<ProcessExit> exited, Action? reaped)
    {
        var thread = new Thread(() =>
        {
            exited.TrySetResult(Reap(pid));
            reaped?.Invoke();
        })
        {
            IsBackground = true,
            Name = $"ops-wait-{pid}",
        };
        thread.Start();
    }

    private sealed class PidWatch(ChildReaper reaper, int pid, int pidfd, TaskCompletionSource<ProcessExit> exited, Action? reaped) : IEpollHandler
    {
        public void OnReady(ulong token, uint events)
        {
            // Unregister before closing so the descriptor number can be reused by the next registration.
            reaper._loop.Remove(pidfd, token);
            ProcessExit exit = Reap(pid);
            FileDescriptors.Close(pidfd);
            exited.TrySetResult(exit);
            reaped?.Invoke();
        }
    }
}
