namespace Ops.Jobs.Queries;

/// <summary>One task run as the storage holds it, read back by <see cref="JobQueries"/>; the API maps it to its own shape.</summary>
/// <param name="Id">The Hangfire job id.</param>
/// <param name="Task">The task name; null for a job that is no task run.</param>
/// <param name="State">Hangfire's state name.</param>
/// <param name="Attempt">Attempts started so far.</param>
/// <param name="ExitCode">The last attempt's exit code after a normal exit.</param>
/// <param name="Signal">The signal that ended the last attempt.</param>
/// <param name="Host">The host that ran the last attempt.</param>
/// <param name="Queue">The queue it was last enqueued on.</param>
/// <param name="CreatedAt">When the job was made (UTC).</param>
/// <param name="FinishedAt">When it reached Succeeded, Failed or Deleted (UTC); null while it is not finished.</param>
/// <param name="Reason">Why the last attempt failed, else the current state's reason.</param>
/// <param name="StderrTail">The last attempt's last stderr lines.</param>
public sealed record JobRecord(
    string Id,
    string? Task,
    string State,
    int Attempt,
    int? ExitCode,
    int? Signal,
    string? Host,
    string? Queue,
    DateTime CreatedAt,
    DateTime? FinishedAt,
    string? Reason,
    IReadOnlyList<string> StderrTail);
