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
    /// <summary>A zombie (or a dead entry about to vanish): it runs no code and holds no memory.</summary>
    public bool IsZombie => State is 'Z' or 'X' or 'x';
}
