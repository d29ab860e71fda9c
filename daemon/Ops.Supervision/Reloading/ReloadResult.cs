namespace Ops.Supervision.Reloading;

/// <summary>What <see cref="ISupervisor.ReloadAsync"/> did.</summary>
/// <param name="Plan">The diff it carried out, computed against the programs supervised when it began.</param>
/// <param name="Dropped">
/// Instances that no longer exist (old:0, web:2): every instance of a removed program and the extra instances
/// of a program whose count went down. Each was stopped before it was dropped.
/// </param>
/// <param name="Started">
/// Instances started by the reload (added ones, changed ones started again with their new spec); each may still be
/// waiting for its dependencies.
/// </param>
public sealed record ReloadResult(ReloadPlan Plan, IReadOnlyList<InstanceId> Dropped, IReadOnlyList<InstanceId> Started);
