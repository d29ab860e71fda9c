namespace Ops.Supervision.StateMachine;

/// <summary>A state change the transition table forbids: always a supervisor bug, never an operator error.</summary>
public sealed class IllegalTransitionException : InvalidOperationException
{
    /// <summary>Describes the refused move of <paramref name="instanceName"/> ("web:0").</summary>
    public IllegalTransitionException(string instanceName, InstanceState from, InstanceState to, string reason)
        : base($"{instanceName}: illegal transition {from} -> {to} (reason '{reason}')")
    {
        InstanceName = instanceName;
        From = from;
        To = to;
    }

    /// <summary>"web:0".</summary>
    public string InstanceName { get; }

    /// <summary>The state the instance is in.</summary>
    public InstanceState From { get; }

    /// <summary>The state it was asked to move to.</summary>
    public InstanceState To { get; }
}
