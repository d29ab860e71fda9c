namespace Ops.Supervision.StateMachine;

/// <summary>
/// The state of one instance. <see cref="TransitionTo"/> is the only way to change it: it checks the move against
/// <see cref="Transitions"/>, stamps it with TimeProvider time and keeps it in a bounded history.
/// </summary>
internal sealed class InstanceStateMachine
{
    private readonly TimeProvider _time;
    private readonly Func<long> _sequence;
    private readonly TransitionHistory _history;

    public InstanceStateMachine(InstanceId id, TimeProvider time, int historyCapacity, Func<long> sequence)
    {
        Id = id;
        _time = time;
        _sequence = sequence;
        _history = new TransitionHistory(historyCapacity);
        Since = time.GetUtcNow();
    }

    /// <summary>The instance whose state this is.</summary>
    public InstanceId Id { get; }

    public InstanceState State { get; private set; } = InstanceState.Stopped;

    /// <summary>Where the process group of the current launch stands; changed only by <see cref="MoveGroup"/>.</summary>
    public GroupPhase Group { get; private set; } = GroupPhase.None;

    /// <summary>When the current state was entered (construction time before the first transition).</summary>
    public DateTimeOffset Since { get; private set; }

    /// <summary>The reason of the last transition; null before the first.</summary>
    public string? Reason { get; private set; }

    /// <summary>Throws <see cref="IllegalTransitionException"/> unless the table allows moving to <paramref name="next"/>.</summary>
    public void EnsureAllowed(InstanceState next, string reason)
    {
        if (!Transitions.IsAllowed(State, next))
        {
            throw new IllegalTransitionException(Id.ToString(), State, next, reason);
        }
    }

    /// <summary>
    /// Throws <see cref="IllegalGroupTransitionException"/> unless the group table allows moving the group to
    /// <paramref name="next"/> (a launch is <see cref="GroupPhase.Alive"/>, refused while a group lives).
    /// </summary>
    public void EnsureGroupAllowed(GroupPhase next, string reason)
    {
        if (!GroupTransitions.IsAllowed(Group, next))
        {
            throw new IllegalGroupTransitionException(Id.ToString(), State, Group, next, reason);
        }
    }

    /// <summary>Moves the group to <paramref name="next"/>; the one way its phase changes.</summary>
    public void MoveGroup(GroupPhase next, string reason)
    {
        EnsureGroupAllowed(next, reason);
        Group = next;
    }

    /// <summary>Moves to <paramref name="next"/> and returns the record of the move.</summary>
    /// <remarks>Stopped is only ever reported with the group confirmed empty.</remarks>
    public TransitionRecord TransitionTo(InstanceState next, string reason, TransitionDetails details = default)
    {
        EnsureAllowed(next, reason);
        if (next == InstanceState.Stopped && Group != GroupPhase.None)
        {
            throw new IllegalTransitionException(Id.ToString(), State, next, $"{reason}; its process group is {Group}, not gone");
        }

        var record = new TransitionRecord(
            Id.Program,
            Id.Index,
            _time.GetUtcNow(),
            State,
            next,
            reason,
            details.Pid,
            details.Exit?.ExitCode,
            details.Exit?.Signal,
            details.Delay,
            details.StderrTail ?? []);

        State = next;
        Since = record.At;
        Reason = reason;
        _history.Add(_sequence(), record);
        return record;
    }

    /// <summary>Recorded transitions with their global sequence numbers, newest first. Safe from any thread.</summary>
    public (long Sequence, TransitionRecord Record)[] HistoryNewestFirst() => _history.NewestFirst();
}
