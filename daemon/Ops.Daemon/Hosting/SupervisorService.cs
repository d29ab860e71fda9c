using Ops.Supervision.Supervising;

namespace Ops.Daemon.Hosting;

/// <summary>
/// Thin hosted service around the supervisor: ends orphans of a previous daemon before anything starts, runs
/// the supervision loop, and on shutdown stops every program in reverse dependency order before the loop ends.
/// </summary>
/// <remarks>
/// Stopping begins in <see cref="StoppingAsync"/>, which the host calls before any hosted service's StopAsync.
/// Kestrel is the last hosted service to start, so it is the first to stop, and its StopAsync waits for open
/// requests: a stop that began only in our StopAsync would wait on every HTTP client, and a slow one would spend
/// the whole shutdown budget while the programs still run.
/// </remarks>
internal sealed partial class SupervisorService(
    Supervisor supervisor,
    OrphanCleanup orphans,
    ILogger<SupervisorService> logger) : BackgroundService, IHostedLifecycleService
{
    private Task? _stopAll;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the loop starts anything: never two copies of one instance.
        await orphans.EndOrphansAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginStopAll();
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await supervisor.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The pass began in StoppingAsync; by now it has run as long as the services stopped before us took.
            await BeginStopAll().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogError("Shutdown timed out before every program stopped; their groups stay recorded and the next opsd ends them");
        }

        await base.StopAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts the stop-all pass once; it never waits on a token, only its callers do.</summary>
    private Task BeginStopAll()
    {
        // The supervisor logs the start of the pass itself, with its levels: logging it here too wrote it twice.
        if (_stopAll is null)
        {
            _stopAll = supervisor.StopAllAsync(CancellationToken.None);
        }

        return _stopAll;
    }
}
