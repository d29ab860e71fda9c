namespace Ops.Processes.Native;

/// <summary>
/// A signal to a pid that must still be the process a check found: the pidfd pins the process, then the check runs,
/// then the signal goes through the pidfd. A successful send proves the pinned process was alive all along, so what
/// the check read was its own; a pid recycled meanwhile is never hit.
/// </summary>
internal static class PinnedSignal
{
    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="pid"/> if <paramref name="isOurs"/> holds for it once it is
    /// pinned. False when it is gone or the check fails.
    /// </summary>
    public static bool SignalIf<TState>(int pid, int signal, TState state, Func<int, TState, bool> isOurs)
    {
        int pidfd = (int)Libc.syscall(LinuxConstants.SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
        {
            // Kernels before 5.3: confirm and kill by pid, which leaves the short window pidfds close.
            return Errno.Last == LinuxConstants.ENOSYS && isOurs(pid, state) && Libc.kill(pid, signal) == 0;
        }

        try
        {
            return isOurs(pid, state) && Libc.syscall(LinuxConstants.SYS_pidfd_send_signal, pidfd, signal, 0, 0) == 0;
        }
        finally
        {
            FileDescriptors.Close(pidfd);
        }
    }
}
