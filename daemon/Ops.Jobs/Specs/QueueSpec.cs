namespace Ops.Jobs.Specs;

/// <summary>One queue (Ops:Queues:&lt;name&gt;): its own workers on every host, and a cap on waiting jobs.</summary>
/// <param name="Name">Queue name: lowercase letters, digits, '_' and '-' (Hangfire's rule).</param>
/// <param name="Workers">Parallel runs of this queue on this host.</param>
/// <param name="Capacity">Most jobs waiting (enqueued) in the queue; a request that would pass it is refused whole.</param>
/// <param name="Prefetch">
/// Jobs this host takes from the queue ahead of a free worker, so the next run starts the moment one ends instead
/// of after the storage round trips of taking a job (they show as Processing meanwhile, and count as no attempt).
/// Null means as many as <paramref name="Workers"/>; 0 takes a job only when a worker is free, which shares long
/// runs more evenly between hosts.
/// </param>
public sealed record QueueSpec(string Name, int Workers, int Capacity, int? Prefetch = null)
{
    /// <summary>The queue that always exists.</summary>
    public const string DefaultName = "default";

    /// <summary>Default workers: one per core, as fits CPU-bound work.</summary>
    public static int DefaultWorkers => Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>Default capacity.</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>Jobs taken ahead on this host.</summary>
    public int PrefetchCount => Prefetch ?? Workers;
}
