namespace Ops.Processes.Sampling;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> Ops uses.</summary>
/// <param name="Pid">Field 1.</param>
/// <param name="State">Field 3: R, S, D, Z (zombie), X (dead), ...</param>
/// <param name="ParentPid">Field 4.</param>
/// <param name="GroupId">Field 5: the process group.</param>
/// <param name="SessionId">Field 6.</param>
/// <param name="StartTime">Field 22: clock ticks after boot; with the boot id it names a process uniquely.</param>
/// <param name="RssPages">Field 24: resident pages.</param>
public readonly record struct ProcessStat(int Pid, char State, int ParentPid, int GroupId, int SessionId, ulong StartTime, long RssPages)
{
    // PF_EXITING and PF_KTHREAD of include/linux/sched.h.
    private const uint ExitingFlag = 0x0000_0004;
    private const uint KernelThreadFlag = 0x0020_0000;

    /// <summary>Field 9: the kernel's PF_* flags of the task.</summary>
    public uint Flags { get; init; }

    /// <summary>A zombie (or a dead entry about to vanish): it runs no code and holds no memory.</summary>
    public bool IsZombie => State is 'Z' or 'X' or 'x';

    /// <summary>In do_exit (a SIGKILL took it, say): it runs no more user code, its memory is going or gone.</summary>
    public bool IsExiting => (Flags & ExitingFlag) != 0;

    /// <summary>A kernel thread: no memory of its own, so no environment.</summary>
    public bool IsKernelThread => (Flags & KernelThreadFlag) != 0;
}
