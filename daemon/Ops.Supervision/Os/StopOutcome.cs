namespace Ops.Supervision.Os;

/// <summary>How a stop of a whole launch ended.</summary>
public enum StopEnding
{
    /// <summary>Gone without SIGKILL: it obeyed the graceful signal within the grace, or nothing was left to stop.</summary>
    GoneAfterSignal,

    /// <summary>Gone once SIGKILL reached what the grace left.</summary>
    GoneAfterKill,

    /// <summary>Processes outlived every SIGKILL and bounded wait (stuck in the kernel); <see cref="StopOutcome.Survivors"/> names them.</summary>
    SurvivorsLeft,
}

/// <summary>The end of <see cref="IRunningProcess.StopAsync"/>: how it ended and, when something outlived it, the pids left.</summary>
public readonly record struct StopOutcome(StopEnding Ending, IReadOnlyList<int> Survivors)
{
    /// <summary>Gone without SIGKILL.</summary>
    public static StopOutcome GoneAfterSignal { get; } = new(StopEnding.GoneAfterSignal, []);

    /// <summary>Gone after SIGKILL.</summary>
    public static StopOutcome GoneAfterKill { get; } = new(StopEnding.GoneAfterKill, []);

    /// <summary>True when nothing of the launch is left.</summary>
    public bool Gone => Ending != StopEnding.SurvivorsLeft;

    /// <summary>Processes outlived the kill: <paramref name="pids"/>.</summary>
    public static StopOutcome Left(IReadOnlyList<int> pids) => new(StopEnding.SurvivorsLeft, pids);
}
