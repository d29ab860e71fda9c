using System.Collections.Frozen;

namespace Ops.Supervision.StateMachine;

/// <summary>The one table of allowed group phase changes: "never two copies of one instance" lives here.</summary>
public static class GroupTransitions
{
    private static readonly FrozenDictionary<GroupPhase, FrozenSet<GroupPhase>> Allowed =
        new Dictionary<GroupPhase, FrozenSet<GroupPhase>>
        {
            // Only a launch creates a group, and only when the last one is confirmed empty.
            [GroupPhase.None] = Set(GroupPhase.Alive),

            // A stop begins, or the leader exits on its own and what it left is ended.
            [GroupPhase.Alive] = Set(GroupPhase.Stopping, GroupPhase.Ending),

            // The leader exits during the stop; or the stop confirms everything gone before its exit event arrived.
            [GroupPhase.Stopping] = Set(GroupPhase.Ending, GroupPhase.None),

            // Only the stop's end, with the group confirmed empty, lets the group go.
            [GroupPhase.Ending] = Set(GroupPhase.None),
        }.ToFrozenDictionary();

    /// <summary>True when a group in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool IsAllowed(GroupPhase from, GroupPhase to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>The phases reachable from <paramref name="from"/> in one move.</summary>
    public static IReadOnlyCollection<GroupPhase> From(GroupPhase from) =>
        Allowed.TryGetValue(from, out var targets) ? targets : FrozenSet<GroupPhase>.Empty;

    private static FrozenSet<GroupPhase> Set(params GroupPhase[] phases) => phases.ToFrozenSet();
}
