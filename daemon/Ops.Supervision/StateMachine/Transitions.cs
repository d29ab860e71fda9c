using System.Collections.Frozen;

namespace Ops.Supervision.StateMachine;

/// <summary>The one table of allowed instance state changes.</summary>
public static class Transitions
{
    private static readonly FrozenDictionary<InstanceState, FrozenSet<InstanceState>> Allowed =
        new Dictionary<InstanceState, FrozenSet<InstanceState>>
        {
            // Only a launch leaves Stopped.
            [InstanceState.Stopped] = Set(InstanceState.Starting),

            // Running after StartSeconds; Backoff or Fatal on a failed start; Stopping on a stop command.
            [InstanceState.Starting] = Set(InstanceState.Running, InstanceState.Backoff, InstanceState.Fatal, InstanceState.Stopping),

            // Exited when the policy is satisfied, Backoff/Fatal when it wants (or gives up on) a restart.
            [InstanceState.Running] = Set(InstanceState.Stopping, InstanceState.Exited, InstanceState.Backoff, InstanceState.Fatal),

            // Starting when the delay is over; Stopped on a stop (or while a dependency is down); Fatal kept for
            // completeness (a budget exhausted while waiting).
            [InstanceState.Backoff] = Set(InstanceState.Starting, InstanceState.Stopped, InstanceState.Fatal),

            // Only once the process group is confirmed empty: Stopped, or Backoff/Fatal for a health/memory restart.
            [InstanceState.Stopping] = Set(InstanceState.Stopped, InstanceState.Backoff, InstanceState.Fatal),

            [InstanceState.Exited] = Set(InstanceState.Starting, InstanceState.Stopped),
            [InstanceState.Fatal] = Set(InstanceState.Starting, InstanceState.Stopped),
        }.ToFrozenDictionary();

    /// <summary>True when an instance in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool IsAllowed(InstanceState from, InstanceState to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>The states reachable from <paramref name="from"/> in one move.</summary>
    public static IReadOnlyCollection<InstanceState> From(InstanceState from) =>
        Allowed.TryGetValue(from, out var targets) ? targets : FrozenSet<InstanceState>.Empty;

    private static FrozenSet<InstanceState> Set(params InstanceState[] states) => states.ToFrozenSet();
}
