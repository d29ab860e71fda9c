using Ops.Daemon.Configuration;
using Ops.Processes;
using Ops.Processes.Orphans;

namespace Ops.Daemon.Hosting;

/// <summary>
/// Ends the process groups a previous opsd left behind (it died without stopping them, e.g. by SIGKILL), each
/// with its program's StopSignal and StopTimeout (a task run's: SIGTERM, 5 s), before this daemon starts anything.
/// </summary>
internal sealed class OrphanCleanup(ProcessOptions options, OpsSettings settings, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>True once the orphans of a previous opsd are ended; /readyz waits for it (Kestrel answers earlier).</summary>
    public bool Done { get; private set; }

    public async Task EndOrphansAsync(CancellationToken cancellationToken)
    {
        var programs = settings.Programs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var reaper = new OrphanReaper(options, time, loggers.CreateLogger<OrphanReaper>());
        // The reaper logs each orphan once (Warning as it ends it, Error for survivors): nothing more to say here.
        _ = await reaper.ReapAsync(
            program => programs.TryGetValue(program, out var spec)
                ? new OrphanStopPolicy((int)spec.StopSignal, spec.StopTimeout)
                : OrphanStopPolicy.Default,
            cancellationToken);
        Done = true;
    }
}
