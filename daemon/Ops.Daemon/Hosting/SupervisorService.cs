using Ops.Daemon.Configuration;
using Ops.Supervision;

namespace Ops.Daemon.Hosting;

/// <summary>
/// Thin hosted service around the supervisor: ends orphans of a previous daemon before anything starts, runs
/// the supervision loop, and on shutdown stops every program in reverse dependency order before the loop ends.
/// </summary>
internal sealed partial class SupervisorService(
    Supervisor supervisor,
    OrphanCleanup orphans,
    ILogger<SupervisorService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the loop starts anything: never two copies of one instance.
        await orphans.EndOrphansAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
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
        logger.LogInformation("Stopping every program in reverse dependency order");
        try
        {
            await supervisor.StopAllAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogError("Shutdown timed out before every program stopped; their groups stay recorded and the next opsd ends them");
        }

        await base.StopAsync(cancellationToken);
    }
}
