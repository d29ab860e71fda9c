namespace Ops.Jobs.Specs;

/// <summary>One queue (Ops:Queues:&lt;name&gt;): its own workers on every host, and a cap on waiting jobs.</summary>
/// <param name="Name">Queue name: lowercase letters, digits, '_' and '-' (Hangfire's rule).</param>
/// <param name="Workers">Parallel runs of this queue on this host.</param>
/// <param name="Capacity">Most jobs waiting (enqueued) in the queue; a request that would pass it is refused whole.</param>
public sealed record QueueSpec(string Name, int Workers, int Capacity)
{
    /// <summary>The queue that always exists.</summary>
    public const string DefaultName = "default";

    /// <summary>Default workers: one per core, as fits CPU-bound work.</summary>
    public static int DefaultWorkers => Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>Default capacity.</summary>
    public const int DefaultCapacity = 10_000;
}
