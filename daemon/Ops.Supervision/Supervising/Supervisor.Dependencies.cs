namespace Ops.Supervision.Supervising;

/// <summary>DependsOn: start levels, and starts that wait (as Stopped) until their dependencies are up.</summary>
public sealed partial class Supervisor
{
    private readonly HashSet<Instance> _dependencyWaiters = [];

    /// <summary>Unknown dependencies are ignored (validation reports them): logged once per table.</summary>
    private void LogUnknownDependencies(ProgramTable table)
    {
        foreach (var (program, dependency) in table.UnknownDependencies)
        {
            SupervisorLog.UnknownDependency(_logger, program, dependency);
        }
    }

    /// <summary>The dependencies of <paramref name="instance"/> that are not up yet, or null when all are.</summary>
    private string? UnmetDependencies(Instance instance)
    {
        List<string>? unmet = null;
        foreach (var name in instance.Spec.DependsOn)
        {
            if (_table.ByName.TryGetValue(name, out var dependency) && !dependency.Instances.All(IsUp))
            {
                (unmet ??= []).Add(name);
            }
        }

        return unmet is null ? null : string.Join(", ", unmet);
    }

    /// <summary>Up for its dependents: Running, and healthy when the program has a health check.</summary>
    private static bool IsUp(Instance instance) =>
        instance.State == InstanceState.Running && (instance.HealthCheck is null || instance.Healthy == true);

    /// <summary>Parks a start request as Stopped (reason "dependency"), logged once per wait.</summary>
    private void WaitForDependencies(Instance instance, LaunchRequest request, string unmet)
    {
        var alreadyWaiting = instance.DependencyWait is not null;
        if (instance.State != InstanceState.Stopped)
        {
            TransitionTo(instance, InstanceState.Stopped, Reasons.Dependency);
        }

        instance.DependencyWait = request;
        instance.ReasonOverride = Reasons.Dependency;
        _dependencyWaiters.Add(instance);
        Publish(instance);
        if (!alreadyWaiting)
        {
            SupervisorLog.WaitingForDependencies(_logger, instance.Program.Name, instance.Index, unmet, Reasons.Dependency);
        }
    }

    private void StopWaitingForDependencies(Instance instance)
    {
        if (instance.DependencyWait is null)
        {
            return;
        }

        instance.DependencyWait = null;
        _dependencyWaiters.Remove(instance);
    }

    /// <summary>Launches every waiting instance whose dependencies are now up, in program order.</summary>
    private void ReevaluateDependencyWaits()
    {
        if (_dependencyWaiters.Count == 0)
        {
            return;
        }

        foreach (var instance in _table.Instances)
        {
            if (instance.DependencyWait is { } request
                && instance.State == InstanceState.Stopped
                && instance.Process is null
                && !_shuttingDown
                && UnmetDependencies(instance) is null)
            {
                Launch(instance, request.Reason, request.Automatic);
            }
        }
    }
}
