namespace Ops.Jobs.Submitting;

/// <summary>Outcome of a run request; maps to 202, 400, 404, 413, 429 and 503.</summary>
public abstract record SubmitResult
{
    /// <summary>Every job was created and enqueued.</summary>
    public sealed record Accepted(IReadOnlyList<string> JobIds) : SubmitResult;

    /// <summary>No such task.</summary>
    public sealed record UnknownTask(string Task) : SubmitResult;

    /// <summary>The request is wrong: which field and why.</summary>
    public sealed record Invalid(string Field, string Message) : SubmitResult;

    /// <summary>The queue would pass its capacity; nothing was enqueued.</summary>
    public sealed record AtCapacity(string Queue, int Capacity, long Length, int Requested) : SubmitResult;

    /// <summary>
    /// The request has more runs than the queue holds even when empty: it can never fit, and retrying cannot help; it
    /// must be split into <see cref="Batches"/> requests of at most <see cref="Capacity"/> items. Nothing was enqueued.
    /// </summary>
    public sealed record TooLarge(string Queue, int Capacity, int Requested) : SubmitResult
    {
        /// <summary>The fewest requests of at most <see cref="Capacity"/> items that carry every item.</summary>
        public int Batches => (Requested + Capacity - 1) / Capacity;
    }

    /// <summary>The storage cannot take jobs now; nothing was enqueued.</summary>
    public sealed record Unavailable(string Message) : SubmitResult;
}
