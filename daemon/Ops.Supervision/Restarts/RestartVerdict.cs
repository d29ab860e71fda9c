namespace Ops.Supervision.Restarts;

/// <summary>What <see cref="RestartDecider.Decide"/> answers: the decision, and the counters to keep from now on.</summary>
/// <param name="Decision">Restart, give up, or done.</param>
/// <param name="Next">The instance's counters after this decision; the caller stores them as they are.</param>
public readonly record struct RestartVerdict(RestartDecision Decision, RestartCounters Next);
