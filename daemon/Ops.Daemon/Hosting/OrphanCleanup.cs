using Ops.Daemon.Configuration;
using Ops.Processes;
using Ops.Processes.Orphans;
using Ops.Supervision.Os;

namespace Ops.Daemon.Hosting;

/// <summary>
/// Ends the process groups a previous opsd left behind (it died without stopping them, e.g. by SIGKILL), each
/// with its program's StopSignal and StopTimeout (a task run's: SIGTERM, 5 s), before this daemon starts anything.
/// </summary>
internal sealed partial class OrphanCleanup(ProcessOptions options, OpsSettings settings, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<OrphanCleanup>();

    /// <summary>True once the orphans of a previous opsd are ended; /readyz waits for it (Kestrel answers earlier).</summary>
    public bool Done { get; private set; }

    public async Task EndOrphansAsync(CancellationToken cancellationToken)
    {
        var programs = settings.Programs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var reaper = new OrphanReaper(options, time, loggers.CreateLogger<OrphanReaper>());
        var ended = await reaper.ReapAsync(
            program => programs.TryGetValue(program, out var spec)
                ? new OrphanStopPolicy((int)spec.StopSignal, spec.StopTimeout)
                : OrphanStopPolicy.Default,
            cancellationToken);
        Done = true;
        foreach (var group in ended)
        {
            if (group.Survivors.Count > 0)
            {
                LogSurvivors(LaunchOwner.Describe(group.Kind, group.Program, group.Instance), group.Pgid, group.Survivors);
            }
            else
            {
                LogEnded(LaunchOwner.Describe(group.Kind, group.Program, group.Instance), group.Pgid, group.Pids, group.Killed ? "SIGKILL" : "stop signal");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ended orphaned group {Pgid} of {Owner} left by a previous opsd (pids {Pids}, by {How})")]
    private partial void LogEnded(string owner, int pgid, IReadOnlyList<int> pids, string how);

    [LoggerMessage(Level = LogLevel.Error, Message = "Orphaned group {Pgid} of {Owner} survived SIGKILL (pids {Pids}); its record is kept for the next start")]
    private partial void LogSurvivors(string owner, int pgid, IReadOnlyList<int> pids);
}
