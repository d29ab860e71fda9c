using Ops.Supervision.Reloading;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Supervising;

/// <summary>
/// Configuration reload through the one loop: a stop pass over what is removed or changed, then a new program table,
/// then starts. Unchanged programs keep their entry and instances, so nothing about them moves.
/// </summary>
public sealed partial class Supervisor
{
    private readonly Queue<ReloadRequested> _queuedReloads = new();

    /// <summary>The reload being carried out; null when none is.</summary>
    private ReloadRun? _reload;

    /// <inheritdoc/>
    public IReadOnlyList<ProgramSpec> Programs => _table.Specs;

    /// <inheritdoc/>
    public Task<ReloadResult> ReloadAsync(IReadOnlyList<ProgramSpec> programs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(programs);
        var completion = new TaskCompletionSource<ReloadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new ReloadRequested([.. programs], completion));
        return completion.Task.WaitAsync(cancellationToken);
    }

    private void HandleReload(ReloadRequested request)
    {
        if (_shuttingDown)
        {
            request.Completion.TrySetException(new InvalidOperationException(
                "cannot reload: the daemon is stopping every program; the new configuration applies when it starts again"));
            return;
        }

        // Begun by AdvanceReload at the end of this turn, or once the reload before it is done.
        _queuedReloads.Enqueue(request);
    }

    /// <summary>True while a reload is stopping <paramref name="instance"/> to drop or replace it.</summary>
    private bool IsRetiring(Instance instance) => _reload?.Retiring.Contains(instance) == true;

    /// <summary>Moves the reloads on: begins the next, stops the next level, or swaps and starts. Runs after every event.</summary>
    private void AdvanceReload()
    {
        while (true)
        {
            if (_reload is not { } run)
            {
                if (_shuttingDown || !_queuedReloads.TryDequeue(out var queued))
                {
                    return;
                }

                try
                {
                    _reload = BeginReload(queued);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Fail(queued, ex);
                }

                continue;
            }

            if (run.CurrentLevel is { } level)
            {
                if (!level.All(i => i.State == InstanceState.Stopped && i.Process is null))
                {
                    return;
                }

                run.CurrentLevel = null;
            }

            if (run.StopLevels.TryDequeue(out var next))
            {
                run.CurrentLevel = next;
                foreach (var instance in next)
                {
                    StopFor(instance, Reasons.Config);
                }

                continue;
            }

            _reload = null;
            try
            {
                FinishReload(run);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Fail(run.Request, ex);
            }
        }
    }

    /// <summary>
    /// Works out the plan and what has to stop. Instances without a running process stop at once (so no timer or
    /// dependency wait starts them meanwhile); those with one are queued by level, dependents first.
    /// </summary>
    private ReloadRun BeginReload(ReloadRequested request)
    {
        var plan = ReloadPlan.Diff(_table.Specs, request.Programs);

        // Checked now: the new table is built only after the stop pass, when it is too late to refuse.
        var order = DependencyOrder.Compute(request.Programs.ToDictionary(p => p.Name, p => p.DependsOn, StringComparer.Ordinal));
        if (order.Cycle is { } cycle)
        {
            throw new ArgumentException($"DependsOn has a cycle: {string.Join(" -> ", cycle)}.", "programs");
        }

        var run = new ReloadRun(request, plan);
        var next = request.Programs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in plan.Removed)
        {
            run.Retiring.UnionWith(_table.ByName[name].Instances);
        }

        foreach (var name in plan.Changed)
        {
            var instances = _table.ByName[name].Instances;
            if (instances.Any(IsUpOrOnTheWay))
            {
                run.WasUp.Add(name);
            }

            // An Instances-only change keeps the instances that stay: their launch is the same.
            run.Retiring.UnionWith(plan.OnlyInstancesChanged(name) ? instances.Skip(next[name].Instances) : instances);
        }

        SupervisorLog.Reloading(_logger, plan.Added, plan.Removed, plan.Changed, plan.Unchanged.Count);
        foreach (var instance in _table.Instances.Where(run.Retiring.Contains))
        {
            if (instance.State is not (InstanceState.Starting or InstanceState.Running or InstanceState.Stopping))
            {
                StopFor(instance, Reasons.Config);
            }
        }

        foreach (var level in _table.StartLevels.Reverse())
        {
            Instance[] stopping = [.. level.SelectMany(p => p.Instances).Where(run.Retiring.Contains)];
            if (stopping.Length > 0)
            {
                run.StopLevels.Enqueue(stopping);
            }
        }

        return run;
    }

    /// <summary>Everything that goes or changes is Stopped: build the new table, then start in dependency order.</summary>
    private void FinishReload(ReloadRun run)
    {
        var plan = run.Plan;
        var old = _table;
        var entries = new List<ProgramEntry>();
        var dropped = new List<Instance>();
        var toStart = new List<Instance>();
        var reconfigured = new List<Instance>();
        foreach (var spec in run.Request.Programs)
        {
            if (!old.ByName.TryGetValue(spec.Name, out var current))
            {
                var added = CreateEntry(spec);
                entries.Add(added);
                if (spec.AutoStart)
                {
                    toStart.AddRange(added.Instances);
                }

                continue;
            }

            if (!plan.ChangedFields.ContainsKey(spec.Name))
            {
                // Unchanged: the very same entry and instances, so pids, timers and history stay as they are.
                entries.Add(current);
                continue;
            }

            // Changed: a new entry; instances keep their number, state machine (history) and counters.
            var entry = new ProgramEntry(spec);
            entry.Instances = [.. Enumerable.Range(0, Math.Max(spec.Instances, 0)).Select(i => i < current.Instances.Count ? current.Instances[i] : CreateInstance(entry, i))];
            foreach (var kept in entry.Instances.Take(current.Instances.Count))
            {
                kept.Reconfigure(entry);
                reconfigured.Add(kept);
            }

            dropped.AddRange(current.Instances.Skip(entry.Instances.Count));
            entries.Add(entry);
            if (spec.AutoStart || run.WasUp.Contains(spec.Name))
            {
                toStart.AddRange(plan.OnlyInstancesChanged(spec.Name) ? entry.Instances.Skip(current.Instances.Count) : entry.Instances);
            }
        }

        dropped.AddRange(plan.Removed.SelectMany(name => old.ByName[name].Instances));
        foreach (var instance in dropped)
        {
            Drop(instance);
        }

        _table = ProgramTable.Create(entries);
        foreach (var (program, dependency) in _table.UnknownDependencies.Where(u => !plan.Unchanged.Contains(u.Program)))
        {
            SupervisorLog.UnknownDependency(_logger, program, dependency);
        }

        EnsureMemoryTimer();
        _changed = true;
        foreach (var instance in reconfigured)
        {
            Publish(instance);
        }

        var position = _table.StartLevels.SelectMany((level, index) => level.Select(p => (p.Name, index))).ToDictionary(x => x.Name, x => x.index, StringComparer.Ordinal);
        var started = new List<InstanceId>();
        foreach (var instance in toStart.OrderBy(i => position[i.Program.Name]).ThenBy(i => i.Program.Name, StringComparer.Ordinal).ThenBy(i => i.Index))
        {
            if (instance.State != InstanceState.Stopped || instance.Process is not null)
            {
                continue;
            }

            // A fresh failure budget, as after an operator start: the new spec deserves its own.
            instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.NewSpec);
            RequestLaunch(instance, Reasons.Config, automatic: false);
            started.Add(instance.Id);
        }

        var result = new ReloadResult(plan, [.. dropped.Select(i => i.Id)], started);
        SupervisorLog.ReloadApplied(_logger, result.Dropped, result.Started);
        run.Request.Completion.TrySetResult(result);
    }

    /// <summary>Up for the "was it running" question: Starting, Running, Backoff, or headed back to one of those.</summary>
    private static bool IsUpOrOnTheWay(Instance instance) => instance.State switch
    {
        InstanceState.Starting or InstanceState.Running or InstanceState.Backoff => true,
        InstanceState.Stopping => instance.AfterGroup?.Then is AfterStop.StartAgain or AfterStop.Backoff,
        InstanceState.Stopped => instance.DependencyWait is not null,
        _ => false,
    };

    /// <summary>Forgets an instance that is Stopped with its group gone: nothing of it may fire again.</summary>
    private void Drop(Instance instance)
    {
        StopWaitingForDependencies(instance);
        instance.CancelTimers();
    }

    /// <summary>
    /// A reload step failed: the caller hears why. An invalid program set is the caller's mistake; anything else is
    /// a supervisor bug, rethrown so the loop logs it (and carries on).
    /// </summary>
    private static void Fail(ReloadRequested request, Exception exception)
    {
        request.Completion.TrySetException(exception);
        if (exception is not ArgumentException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        }
    }

    /// <summary>The daemon is stopping (or the loop ended): every reload not yet applied is refused.</summary>
    private void AbandonReloads(string why)
    {
        var abandoned = _queuedReloads.ToList();
        _queuedReloads.Clear();
        if (_reload is { } run)
        {
            abandoned.Insert(0, run.Request);
            _reload = null;
            SupervisorLog.ReloadAbandoned(_logger, why);
        }

        foreach (var request in abandoned)
        {
            request.Completion.TrySetException(new InvalidOperationException($"the reload was not applied: {why}"));
        }
    }
}
