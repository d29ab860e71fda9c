using System.Text.Json.Serialization;
using Ops.Supervision;

namespace Ops.Daemon.Api;

/// <summary>One instance as GET /api/v1/programs shows it.</summary>
/// <param name="Program">The program; JSON <c>name</c>, as DESIGN.md fixes it.</param>
public sealed record ProgramInstanceDto(
    [property: JsonPropertyName("name")] string Program,
    int Instance,
    string Host,
    string State,
    int? Pid,
    DateTimeOffset Since,
    int Restarts,
    int? LastExitCode,
    int? LastSignal,
    string? Reason,
    bool? Healthy)
{
    /// <summary>Maps a supervisor snapshot, stamping the host it runs on.</summary>
    public static ProgramInstanceDto From(InstanceSnapshot s, string host) =>
        new(s.Program, s.Index, host, s.State.ToString(), s.Pid, s.Since, s.Restarts, s.LastExitCode, s.LastSignal, s.Reason, s.Healthy);

    /// <summary>Maps an instance another host published (State "Unknown" when that host went silent).</summary>
    public static ProgramInstanceDto From(Ops.Jobs.Hosts.PublishedInstance p) =>
        new(p.Program, p.Instance, p.Host, p.State, p.Pid, p.Since, p.Restarts, p.LastExitCode, p.LastSignal, p.Reason, p.Healthy);
}

/// <summary>One transition as GET /api/v1/programs/{name}/history shows it.</summary>
public sealed record TransitionDto(
    int Instance,
    DateTimeOffset At,
    string From,
    string To,
    string Reason,
    int? Pid,
    int? ExitCode,
    int? Signal,
    double? DelayMs,
    IReadOnlyList<string> StderrTail)
{
    /// <summary>Maps a recorded transition.</summary>
    public static TransitionDto Of(TransitionRecord t) =>
        new(t.Instance, t.At, t.From.ToString(), t.To.ToString(), t.Reason, t.Pid, t.ExitCode, t.Signal, t.Delay?.TotalMilliseconds, t.StderrTail);
}

/// <summary>The 202 answer to start/stop/restart.</summary>
public sealed record CommandAcceptedDto(string Command, string Target, IReadOnlyList<string> Instances, string Message);
