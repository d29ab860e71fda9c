using Hangfire.Server;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Keeps a queue's runs on this host at its Workers while its Hangfire server has Workers + Prefetch workers: the
/// extra workers take the next jobs from the storage while the runs go on, and wait here until a run ends, so the
/// next run starts without the storage round trips of taking a job. Runs first of Ops' filters: a waiting job holds
/// no Concurrency slot and has used no attempt, so a daemon stopping or crashing meanwhile costs it nothing.
/// </summary>
public sealed class RunGateFilter : IServerFilter
{
    private const string HeldGate = "Ops.RunGate";

    private readonly TaskCatalog _catalog;
    private readonly Dictionary<string, SemaphoreSlim> _gates;

    public RunGateFilter(TaskCatalog catalog)
    {
        _catalog = catalog;
        _gates = catalog.Queues.ToDictionary(q => q.Name, q => new SemaphoreSlim(q.Workers, q.Workers), StringComparer.Ordinal);
    }

    public void OnPerforming(PerformingContext context)
    {
        if (TaskJobs.Spec(_catalog, context.BackgroundJob.Job) is not { } spec || !_gates.TryGetValue(spec.Queue, out var gate))
        {
            return;
        }

        // Canceled when the daemon stops or the job is deleted: it then never started, and Hangfire hands it on.
        gate.Wait(context.CancellationToken.ShutdownToken);
        context.Items[HeldGate] = gate;
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.Remove(HeldGate, out var held) && held is SemaphoreSlim gate)
        {
            gate.Release();
        }
    }
}
