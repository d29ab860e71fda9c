namespace Ops.Supervision.StateMachine;

/// <summary>
/// Where the process group of an instance's current launch stands; part of the instance's state machine
/// (<see cref="GroupTransitions"/>). Only <see cref="None"/> lets a new copy start.
/// </summary>
public enum GroupPhase
{
    /// <summary>No process of the instance lives: the last group is confirmed empty, or nothing was launched.</summary>
    None,

    /// <summary>The leader runs and nothing stops it.</summary>
    Alive,

    /// <summary>The stop of the whole launch is under way (signal, grace, SIGKILL); the leader still runs.</summary>
    Stopping,

    /// <summary>The leader exited; the stop of the launch ends what is left of its group (a grace, or a kill).</summary>
    Ending,
}
