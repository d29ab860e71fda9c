namespace Ops.Jobs.Submitting;

/// <summary>Outcome of a run request; maps to 202, 400, 404, 429 and 503.</summary>
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

    /// <summary>The storage cannot take jobs now; nothing was enqueued.</summary>
    public sealed record Unavailable(string Message) : SubmitResult;
}
