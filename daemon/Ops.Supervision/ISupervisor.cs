using Ops.Supervision.Reloading;
using Ops.Supervision.Specs;

namespace Ops.Supervision;

/// <summary>What an operator can ask of the supervisor.</summary>
public enum CommandKind
{
    Start,
    Stop,
    Restart,
}

/// <summary>Outcome class of an operator command; maps to HTTP 202 / 404 / 409.</summary>
public enum CommandStatus
{
    Accepted,
    NotFound,
    Conflict,
}

/// <summary>The answer to an operator command: which instances it acts on, or why it was refused.</summary>
public sealed record CommandResult(CommandStatus Status, string Message, IReadOnlyList<string> Instances);

/// <summary>The supervisor as the rest of the daemon sees it. Every member is safe to call from any thread.</summary>
public interface ISupervisor
{
    /// <summary>Every instance of every program, ordered by program name then instance.</summary>
    IReadOnlyList<InstanceSnapshot> Snapshot();

    /// <summary>The instances of <paramref name="program"/>; null when no such program is configured.</summary>
    IReadOnlyList<InstanceSnapshot>? Snapshot(string program);

    /// <summary>Transitions of <paramref name="program"/>, newest first; null when no such program is configured.</summary>
    IReadOnlyList<TransitionRecord>? History(string program);

    /// <summary>
    /// Start, stop or restart <paramref name="target"/>: "web" (every instance), "web:1" or "all". Returns once the
    /// command is accepted or refused, not when it has finished.
    /// </summary>
    Task<CommandResult> SendAsync(CommandKind kind, string target, CancellationToken cancellationToken);

    /// <summary>The specs of the programs supervised now, in name order: what a reload is compared with.</summary>
    IReadOnlyList<ProgramSpec> Programs { get; }

    /// <summary>
    /// Applies a new program set (validated by the caller: unique names, no DependsOn cycle) through the supervision
    /// loop, as <see cref="ReloadPlan.Diff"/> against <see cref="Programs"/> says. Removed programs are stopped
    /// (reason "config") and dropped; changed ones are stopped and started again with their new spec; added ones
    /// start when AutoStart; unchanged ones are not touched. Stops go in reverse dependency order, starts in
    /// dependency order. Completes once that is done (started instances may still wait for dependencies); a reload
    /// sent while another runs waits for it. Cancelling stops waiting, not the reload.
    /// </summary>
    /// <exception cref="ArgumentException">The set has a duplicate name or a DependsOn cycle.</exception>
    /// <exception cref="InvalidOperationException">The daemon is stopping every program, or the loop is not running.</exception>
    Task<ReloadResult> ReloadAsync(IReadOnlyList<ProgramSpec> programs, CancellationToken cancellationToken);

    /// <summary>The time since the supervision loop last turned; /healthz fails when it stalls.</summary>
    TimeSpan SinceLastLoopTurn { get; }

    /// <summary>The running process of an instance, for log tails; null when none runs.</summary>
    int? PidOf(string program, int instance);
}
