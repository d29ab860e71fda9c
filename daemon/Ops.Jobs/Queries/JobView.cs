namespace Ops.Jobs.Queries;

/// <summary>GET /api/v1/jobs/{id}.</summary>
public sealed record JobView(
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
