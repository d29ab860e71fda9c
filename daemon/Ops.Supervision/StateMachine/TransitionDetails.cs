using Ops.Supervision.Os;

namespace Ops.Supervision.StateMachine;

/// <summary>The optional facts recorded with a transition.</summary>
/// <param name="Pid">The process concerned.</param>
/// <param name="Exit">The exit that caused the transition.</param>
/// <param name="Delay">For Backoff: the wait before the next start.</param>
/// <param name="StderrTail">For exits: the last stderr lines.</param>
internal readonly record struct TransitionDetails(
    int? Pid = null,
    ProcessExit? Exit = null,
    TimeSpan? Delay = null,
    IReadOnlyList<string>? StderrTail = null);
