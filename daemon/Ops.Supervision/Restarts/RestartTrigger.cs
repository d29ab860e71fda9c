using Ops.Supervision.Os;

namespace Ops.Supervision.Restarts;

/// <summary>What happened to the process, as the caller saw it.</summary>
/// <param name="Exit">How the process ended; null when it never started or was condemned while still alive.</param>
/// <param name="Reason">The cause in operators' words: "exit 3", "signal 9", "health", a launch error.</param>
/// <param name="ReachedRunning">True when the process had run StartSeconds (its start succeeded).</param>
/// <param name="Forced">True for health and memory restarts: the restart policy does not apply.</param>
public readonly record struct RestartTrigger(ProcessExit? Exit, string Reason, bool ReachedRunning, bool Forced)
{
    /// <summary>The process exited on its own.</summary>
    public static RestartTrigger FromExit(ProcessExit exit, bool reachedRunning) =>
        new(exit, exit.Describe(), reachedRunning, Forced: false);

    /// <summary>The launcher could not start the process: a failed start.</summary>
    public static RestartTrigger FromLaunchFailure(string message) =>
        new(null, message, ReachedRunning: false, Forced: false);

    /// <summary>The supervisor condemned a Running process ("health", "memory"): always a restart attempt.</summary>
    public static RestartTrigger Condemned(string reason) =>
        new(null, reason, ReachedRunning: true, Forced: true);
}
