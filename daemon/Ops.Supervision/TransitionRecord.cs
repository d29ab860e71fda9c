namespace Ops.Supervision;

/// <summary>One recorded state change: the "why is it not running" view is a list of these.</summary>
/// <param name="Program">Program name.</param>
/// <param name="Instance">Instance number.</param>
/// <param name="At">When it happened (TimeProvider time).</param>
/// <param name="From">State before.</param>
/// <param name="To">State after.</param>
/// <param name="Reason">"exit 3", "signal 9", "timeout", "memory", "health", "operator", "dependency", "config", "started"...</param>
/// <param name="Pid">The process concerned, if any.</param>
/// <param name="ExitCode">Exit code when the transition was caused by a normal exit.</param>
/// <param name="Signal">Signal number when it was caused by a death by signal.</param>
/// <param name="Delay">For transitions into Backoff: the delay before the next start.</param>
/// <param name="StderrTail">For transitions caused by an exit: the last stderr lines, else empty.</param>
public sealed record TransitionRecord(
    string Program,
    int Instance,
    DateTimeOffset At,
    InstanceState From,
    InstanceState To,
    string Reason,
    int? Pid,
    int? ExitCode,
    int? Signal,
    TimeSpan? Delay,
    IReadOnlyList<string> StderrTail);
