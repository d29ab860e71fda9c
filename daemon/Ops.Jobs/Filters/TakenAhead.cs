using Hangfire.States;
using Hangfire.Storage;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// The jobs a host has taken from a queue ahead of a free run slot (Prefetch): Hangfire holds them as Processing,
/// gone from the queue's length, yet they still wait. One storage set per queue holds their ids, shared by every
/// host: a job enters it with its Processing state (in the same transaction, so it is never in neither place once
/// it left the queue), leaves it when its run passes the gate, and leaves it with its Processing state whatever
/// ends it (deleted, requeued after its host died, failed), so an entry cannot outlive its job's wait.
/// </summary>
public static class TakenAhead
{
    /// <summary>The storage set of one queue's taken-ahead job ids.</summary>
    public static string Key(string queue) => $"ops:taken-ahead:{queue}";

    /// <summary>Jobs of <paramref name="queue"/> waiting in it or taken ahead by any host: what Capacity limits.</summary>
    public static long Waiting(IMonitoringApi monitoring, IStorageConnection connection, string queue) =>
        monitoring.EnqueuedCount(queue) + Count(connection, queue);

    /// <summary>Jobs of <paramref name="queue"/> taken ahead by any host.</summary>
    public static long Count(IStorageConnection connection, string queue) =>
        connection is JobStorageConnection counted ? counted.GetSetCount(Key(queue)) : connection.GetAllItemsFromSet(Key(queue)).Count;

    /// <summary>The ids of the jobs of <paramref name="queue"/> taken ahead by any host.</summary>
    public static HashSet<string> Ids(IStorageConnection connection, string queue) => connection.GetAllItemsFromSet(Key(queue));

    /// <summary>Drops a job whose run starts now, or which was handed back (the daemon stops): it waits no more here.</summary>
    public static void Passed(IStorageConnection connection, string queue, string jobId)
    {
        using var transaction = connection.CreateWriteTransaction();
        transaction.RemoveFromSet(Key(queue), jobId);
        transaction.Commit();
    }

    /// <summary>
    /// Adds a task run to its queue's set as it becomes Processing and removes it as it stops being Processing, in the
    /// state change's own transaction: no extra round trip, and no entry without its state.
    /// </summary>
    public sealed class StateFilter(TaskCatalog catalog) : IApplyStateFilter
    {
        public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.NewState.Name == ProcessingState.StateName && TaskJobs.Spec(catalog, context.BackgroundJob.Job) is { } spec)
            {
                transaction.AddToSet(Key(spec.Queue), context.BackgroundJob.Id);
            }
        }

        public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.OldStateName == ProcessingState.StateName && TaskJobs.Spec(catalog, context.BackgroundJob.Job) is { } spec)
            {
                transaction.RemoveFromSet(Key(spec.Queue), context.BackgroundJob.Id);
            }
        }
    }
}
