namespace Ops.Processes.Orphans;

/// <summary>An orphaned group the reaper ended, for the daemon's log.</summary>
/// <param name="Program">The program of the record.</param>
/// <param name="Instance">The instance of the record.</param>
/// <param name="Pgid">The process group.</param>
/// <param name="Pids">The processes found in the group when the reaper started.</param>
/// <param name="Signal">The first signal sent.</param>
/// <param name="Killed">True when the group outlived the first signal's timeout and got SIGKILL.</param>
/// <param name="Survivors">Processes still alive after SIGKILL (stuck in the kernel); the record is kept for the next start.</param>
public sealed record EndedOrphanGroup(
    string Program,
    int Instance,
    int Pgid,
    IReadOnlyList<int> Pids,
    int Signal,
    bool Killed,
    IReadOnlyList<int> Survivors);
