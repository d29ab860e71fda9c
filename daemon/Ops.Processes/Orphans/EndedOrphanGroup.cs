using Ops.Supervision.Os;

namespace Ops.Processes.Orphans;

/// <summary>An orphaned group the reaper ended, for the daemon's log.</summary>
/// <param name="Program">The program of the record, or the task when <paramref name="Kind"/> is Task.</param>
/// <param name="Instance">The instance of the record, or the run slot.</param>
/// <param name="Kind">Whether the record was a program instance's or a task-run slot's (records of older daemons: Program).</param>
/// <param name="Pgid">The process group.</param>
/// <param name="Pids">The processes found in the group when the reaper started.</param>
/// <param name="Signal">The first signal sent.</param>
/// <param name="Killed">True when the group outlived the first signal's timeout and got SIGKILL.</param>
/// <param name="Survivors">Processes still alive after SIGKILL (stuck in the kernel); the record is kept for the next start.</param>
public sealed record EndedOrphanGroup(
    string Program,
    int Instance,
    LaunchOwnerKind Kind,
    int Pgid,
    IReadOnlyList<int> Pids,
    int Signal,
    bool Killed,
    IReadOnlyList<int> Survivors);
