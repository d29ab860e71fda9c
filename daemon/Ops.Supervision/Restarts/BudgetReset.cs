namespace Ops.Supervision.Restarts;

/// <summary>The moments that give an instance a new restart budget (see <see cref="RestartDecider.Reset"/>).</summary>
public enum BudgetReset
{
    /// <summary>An operator's start or restart.</summary>
    Operator,

    /// <summary>FatalRetryAfter passed: Fatal starts over.</summary>
    FatalRetry,

    /// <summary>A reload started the instance under a new spec.</summary>
    NewSpec,

    /// <summary>The process ran StartSeconds: the failure streak is over, the window remembers.</summary>
    ReachedRunning,
}
