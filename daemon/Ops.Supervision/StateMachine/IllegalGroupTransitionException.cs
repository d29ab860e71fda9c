namespace Ops.Supervision.StateMachine;

/// <summary>A group phase change the table forbids (a second copy, a group forgotten): always a supervisor bug.</summary>
public sealed class IllegalGroupTransitionException : InvalidOperationException
{
    /// <summary>Describes the refused move of the group of <paramref name="instanceName"/> ("web:0").</summary>
    public IllegalGroupTransitionException(string instanceName, InstanceState state, GroupPhase from, GroupPhase to, string reason)
        : base(Describe(instanceName, state, from, to, reason))
    {
        InstanceName = instanceName;
        From = from;
        To = to;
    }

    /// <summary>"web:0".</summary>
    public string InstanceName { get; }

    /// <summary>The phase the group is in.</summary>
    public GroupPhase From { get; }

    /// <summary>The phase it was asked to move to.</summary>
    public GroupPhase To { get; }

    private static string Describe(string instanceName, InstanceState state, GroupPhase from, GroupPhase to, string reason)
    {
        var why = to == GroupPhase.Alive && from != GroupPhase.None
            ? ": a launch is refused while a group of the instance lives (never two copies)"
            : string.Empty;
        return $"{instanceName} ({state}): illegal group transition {from} -> {to} (reason '{reason}'){why}";
    }
}
