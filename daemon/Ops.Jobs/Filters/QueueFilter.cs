using Hangfire.States;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Every time a task run is enqueued (first time, retry after its delay, requeue from the console) it goes to its
/// task's queue, never to Hangfire's "default" by accident.
/// </summary>
public sealed class QueueFilter(TaskCatalog catalog) : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is EnqueuedState enqueued && TaskJobs.Spec(catalog, context.BackgroundJob.Job) is { } spec)
        {
            enqueued.Queue = spec.Queue;
        }
    }
}
