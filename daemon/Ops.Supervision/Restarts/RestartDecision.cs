namespace Ops.Supervision.Restarts;

/// <summary>What to do after a process ended (or was condemned by a health or memory check).</summary>
/// <param name="Reason">Why, in the words operators read: "exit 3", "signal 9", "health"...</param>
public abstract record RestartDecision(string Reason)
{
    /// <summary>Start it again after <paramref name="Delay"/> (via Backoff).</summary>
    public sealed record Restart(TimeSpan Delay, string Reason) : RestartDecision(Reason);

    /// <summary>Stop trying: the instance goes Fatal.</summary>
    public sealed record GiveUp(string Reason) : RestartDecision(Reason);

    /// <summary>The process finished as its policy expects: the instance goes Exited.</summary>
    public sealed record Done(string Reason) : RestartDecision(Reason);
}
