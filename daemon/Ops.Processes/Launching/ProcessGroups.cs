using Ops.Processes.Native;
using Ops.Processes.Sampling;

namespace Ops.Processes.Launching;

/// <summary>
/// Signals to whole process groups, with the guards that keep a bad id from becoming a disaster: kill(-1) would
/// signal every process the daemon may signal, and kill(0) the daemon's own group.
/// </summary>
internal static class ProcessGroups
{
    private static readonly int OwnGroup = Libc.getpgrp();

    /// <summary>True when <paramref name="groupId"/> is the daemon's own process group.</summary>
    public static bool IsOwnGroup(int groupId) => groupId == OwnGroup;

    /// <summary>
    /// Sends <paramref name="signal"/> to every process of group <paramref name="groupId"/>. Returns 0, or the errno
    /// (ESRCH = 3: no such group, which callers stopping a group treat as done).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not a real group of someone else (≤ 1, or the daemon's own).</exception>
    public static int Signal(int groupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(groupId, 1);
        if (groupId == OwnGroup)
        {
            throw new ArgumentOutOfRangeException(nameof(groupId), groupId, "refusing to signal the daemon's own process group");
        }

        return Libc.kill(-groupId, signal) == 0 ? 0 : Errno.Last;
    }

    /// <summary>
    /// True when no living process is left in the group. Zombies do not count: they run nothing, and an orphaned
    /// zombie is reaped by init (or never, by a sloppy init), which must not make a stop hang.
    /// </summary>
    public static bool IsEmpty(int groupId)
    {
        int errno = Signal(groupId, 0);
        if (errno == LinuxConstants.ESRCH)
        {
            return true;
        }

        // The group exists (or is not ours to signal): look closer, skipping zombies.
        return ProcessTable.ListGroup(groupId).Count == 0;
    }
}
