namespace Ops.Cli.Api;

// The JSON shapes of opsd's HTTP API as opsctl reads them. opsctl references no daemon project ("Cli knows only
// the API's JSON shapes"), so these mirror the answers, and unknown fields are ignored so that a newer daemon
// still works with an older opsctl.

/// <summary>One instance in GET /api/v1/programs.</summary>
public sealed record ProgramInstance(
    string Name,
    int Instance,
    string? Host,
    string State,
    int? Pid,
    DateTimeOffset Since,
    int Restarts,
    int? LastExitCode,
    int? LastSignal,
    string? Reason,
    bool? Healthy)
{
    /// <summary>"web:1", the name operators type.</summary>
    public string Target => $"{Name}:{Instance}";
}

/// <summary>One transition in GET /api/v1/programs/{name}/history (newest first).</summary>
public sealed record Transition(
    int Instance,
    DateTimeOffset At,
    string From,
    string To,
    string? Reason,
    int? Pid,
    int? ExitCode,
    int? Signal,
    double? DelayMs,
    IReadOnlyList<string>? StderrTail);

/// <summary>The 202 answer to POST /api/v1/programs/{name}/start|stop|restart.</summary>
public sealed record CommandAccepted(string? Command, string? Target, IReadOnlyList<string>? Instances, string? Message);

/// <summary>One output line of GET /api/v1/programs/{name}/log, and one event of its follow stream.</summary>
public sealed record LogLine(DateTimeOffset? At, int? Pid, string? Text);

/// <summary>A follow stream's <c>event: dropped</c>: how many lines opsd has dropped for this reader so far.</summary>
public sealed record DroppedLines(long Dropped);

/// <summary>The answer to POST /api/v1/reload: the programs by kind of change, and what opsd could not apply.</summary>
public sealed record ReloadDiff(
    IReadOnlyList<string>? Added,
    IReadOnlyList<string>? Removed,
    IReadOnlyList<string>? Changed,
    IReadOnlyList<string>? Unchanged,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? ChangedFields,
    bool? Applied,
    IReadOnlyList<string>? RestartRequired,
    IReadOnlyList<string>? Warnings);

/// <summary>The 202 answer to POST /api/v1/tasks/{name}/runs: one job per item, in the order of the items.</summary>
public sealed record RunAccepted(IReadOnlyList<string> JobIds);

/// <summary>A task run in GET /api/v1/jobs/{id} and GET /api/v1/jobs.</summary>
public sealed record JobInfo(
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
    IReadOnlyList<string>? StderrTail)
{
    /// <summary>Hangfire's final states: the job will not run again by itself.</summary>
    public bool IsFinished => State is JobStates.Succeeded or JobStates.Failed or JobStates.Deleted;
}

/// <summary>Hangfire's state names as opsd reports them.</summary>
public static class JobStates
{
    /// <summary>Ran and exited 0.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Failed after its last retry.</summary>
    public const string Failed = "Failed";

    /// <summary>Deleted (cancelled) by an operator.</summary>
    public const string Deleted = "Deleted";
}

/// <summary>An RFC 7807 problem+json answer.</summary>
public sealed record Problem(string? Type, string? Title, int? Status, string? Detail);
