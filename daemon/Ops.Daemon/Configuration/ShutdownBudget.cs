using Ops.Jobs.Specs;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Configuration;

/// <summary>
/// How long stopping opsd may take, from one snapshot's programs and tasks: the host's shutdown timeout, the config
/// check and the systemd unit's TimeoutStopSec (opsd service install) all come from here, so it is the one place
/// that knows. Programs stop level by level in reverse dependency order, so the worst case adds up the levels;
/// task runs stop in parallel with them, each within its StopTimeout, under Hangfire's own shutdown timeout
/// (the longest task StopTimeout plus a smaller margin), which the host's therefore exceeds.
/// </summary>
/// <param name="LongestProgramStopTimeout">The longest StopTimeout of any program.</param>
/// <param name="StopLevels">Dependency levels the programs stop in, at least 1.</param>
/// <param name="LongestTaskStopTimeout">The longest StopTimeout of any task.</param>
public sealed record ShutdownBudget(TimeSpan LongestProgramStopTimeout, int StopLevels, TimeSpan LongestTaskStopTimeout)
{
    /// <summary>Margin on top of the stop timeouts before the host gives up waiting.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);

    /// <summary>How long the host waits for everything to stop.</summary>
    public TimeSpan HostShutdownTimeout =>
        TimeSpan.FromTicks(Math.Max((LongestProgramStopTimeout * StopLevels).Ticks, LongestTaskStopTimeout.Ticks)) + Margin;

    /// <summary>The budget of a snapshot.</summary>
    public static ShutdownBudget Of(OpsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Of(settings.Programs, settings.Tasks);
    }

    /// <summary>The budget of these programs and tasks (a reload's programs with the tasks opsd runs).</summary>
    public static ShutdownBudget Of(IReadOnlyCollection<ProgramSpec> programs, IReadOnlyCollection<TaskSpec> tasks)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(tasks);
        return new ShutdownBudget(
            programs.Count == 0 ? TimeSpan.Zero : programs.Max(p => p.StopTimeout),
            Math.Max(1, OpsConfigReader.Order(programs).Levels.Count),
            tasks.Count == 0 ? TimeSpan.Zero : tasks.Max(t => t.StopTimeout));
    }
}
