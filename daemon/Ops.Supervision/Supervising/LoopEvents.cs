using Ops.Supervision.Os;
using Ops.Supervision.Reloading;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Supervising;

/// <summary>Everything the supervision loop reacts to; handled one at a time, in order of arrival.</summary>
internal abstract record LoopEvent;

/// <summary>First event of a run: start AutoStart programs in dependency order.</summary>
internal sealed record AutoStartRequested : LoopEvent
{
    public static AutoStartRequested Instance { get; } = new();
}

/// <summary>An operator command; the answer goes to <paramref name="Completion"/>.</summary>
internal sealed record CommandRequested(CommandKind Kind, string Target, TaskCompletionSource<CommandResult> Completion) : LoopEvent;

/// <summary>Apply a new program set; the answer goes to <paramref name="Completion"/> once it is carried out.</summary>
internal sealed record ReloadRequested(IReadOnlyList<ProgramSpec> Programs, TaskCompletionSource<ReloadResult> Completion) : LoopEvent;

/// <summary>Stop everything in reverse dependency order; completes <paramref name="Completion"/> when done.</summary>
internal sealed record StopAllRequested(TaskCompletionSource Completion) : LoopEvent;

/// <summary>The leader of <paramref name="Process"/> exited and was reaped.</summary>
internal sealed record ProcessExited(Instance Instance, IRunningProcess Process, ProcessExit Exit) : LoopEvent;

/// <summary>
/// A stop of the launch of <paramref name="Process"/> (<paramref name="Signal"/>, <paramref name="Grace"/>) ended with
/// <paramref name="Outcome"/>, or failed at the edge with <paramref name="Error"/>.
/// </summary>
internal sealed record StopEnded(Instance Instance, IRunningProcess Process, int Signal, TimeSpan Grace, StopOutcome Outcome, Exception? Error) : LoopEvent;

/// <summary>A timer of one instance fired; stale when the instance's generation has moved on.</summary>
internal sealed record InstanceTimerFired(Instance Instance, int Generation, InstanceTimer Kind) : LoopEvent;

/// <summary>A health probe finished.</summary>
internal sealed record HealthChecked(Instance Instance, int Generation, HealthResult Result) : LoopEvent;

/// <summary>Time to measure memory of the instances that have a limit.</summary>
internal sealed record MemoryTick : LoopEvent
{
    public static MemoryTick Instance { get; } = new();
}

/// <summary>One instance measured by a memory sample, with the generation it had then.</summary>
internal readonly record struct MemoryTarget(Instance Instance, int Generation, int GroupId);

/// <summary>A memory sample finished: <paramref name="Rss"/> by group id, or <paramref name="Error"/>.</summary>
internal sealed record MemorySampled(
    IReadOnlyList<MemoryTarget> Targets,
    IReadOnlyDictionary<int, long>? Rss,
    Exception? Error) : LoopEvent;

/// <summary>Keeps an idle loop turning so a stalled loop can be told from a quiet one.</summary>
internal sealed record HeartbeatTick : LoopEvent
{
    public static HeartbeatTick Instance { get; } = new();
}

/// <summary>The timers an instance can have.</summary>
internal enum InstanceTimer
{
    /// <summary>Starting -> Running.</summary>
    StartSeconds,

    /// <summary>Backoff -> Starting.</summary>
    Backoff,

    /// <summary>Fatal -> Starting with a new budget.</summary>
    FatalRetry,

    /// <summary>Running: time for a health probe.</summary>
    HealthTick,
}
