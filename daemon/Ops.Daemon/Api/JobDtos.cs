using Ops.Jobs.Queries;

namespace Ops.Daemon.Api;

/// <summary>One task run as GET /api/v1/jobs and GET /api/v1/jobs/{id} show it.</summary>
public sealed record JobDto(
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
    IReadOnlyList<string> StderrTail)
{
    /// <summary>Maps a run read back from the task storage.</summary>
    public static JobDto From(JobRecord j) =>
        new(j.Id, j.Task, j.State, j.Attempt, j.ExitCode, j.Signal, j.Host, j.Queue, j.CreatedAt, j.FinishedAt, j.Reason, j.StderrTail);
}
