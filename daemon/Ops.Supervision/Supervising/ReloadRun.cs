using Ops.Supervision.Reloading;

namespace Ops.Supervision.Supervising;

/// <summary>
/// A reload being carried out by the loop: first a stop pass over what goes away or changes (level by level,
/// dependents first), then the swap to the new table and the starts.
/// </summary>
internal sealed class ReloadRun(ReloadRequested request, ReloadPlan plan)
{
    public ReloadRequested Request { get; } = request;

    public ReloadPlan Plan { get; } = plan;

    /// <summary>The instances this reload stops: commands leave them alone until it is done.</summary>
    public HashSet<Instance> Retiring { get; } = [];

    /// <summary>Changed programs that were up, or on their way up, before the reload: they start again whatever AutoStart says.</summary>
    public HashSet<string> WasUp { get; } = new(StringComparer.Ordinal);

    /// <summary>Retiring instances that still have a process, by stop level; the next level begins once one is all Stopped.</summary>
    public Queue<IReadOnlyList<Instance>> StopLevels { get; } = new();

    /// <summary>The level being stopped, or null between levels.</summary>
    public IReadOnlyList<Instance>? CurrentLevel { get; set; }
}
