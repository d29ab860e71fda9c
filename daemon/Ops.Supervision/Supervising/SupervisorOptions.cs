namespace Ops.Supervision.Supervising;

/// <summary>Tuning of the supervision loop itself (per-program settings live in ProgramSpec).</summary>
public sealed record SupervisorOptions
{
    /// <summary>How often the process trees of instances with a MemoryLimitMB are measured.</summary>
    public TimeSpan MemoryCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often an idle loop turns anyway, so <see cref="ISupervisor.SinceLastLoopTurn"/> stays small.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Transitions kept per instance for the "why" view.</summary>
    public int HistoryPerInstance { get; init; } = 200;
}
