using Ops.Supervision.Restarts;

namespace Ops.Supervision.Supervising;

/// <summary>Operator commands: start, stop, restart of "web", "web:1" or "all".</summary>
public sealed partial class Supervisor
{
    private const string AllTarget = "all";

    /// <inheritdoc/>
    public Task<CommandResult> SendAsync(CommandKind kind, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var completion = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new CommandRequested(kind, target.Trim(), completion));
        return completion.Task.WaitAsync(cancellationToken);
    }

    private void HandleCommand(CommandRequested command)
    {
        try
        {
            var result = Execute(command.Kind, command.Target);
            SupervisorLog.CommandHandled(_logger, command.Kind, command.Target, result.Status, result.Message);
            command.Completion.TrySetResult(result);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            command.Completion.TrySetException(ex);
            throw;
        }
    }

    private CommandResult Execute(CommandKind kind, string target)
    {
        var verb = kind.ToString().ToLowerInvariant();
        if (Resolve(target) is not { } instances)
        {
            return new CommandResult(CommandStatus.NotFound, NotFoundMessage(target), []);
        }

        if (_shuttingDown && kind != CommandKind.Stop)
        {
            return new CommandResult(CommandStatus.Conflict, $"cannot {verb} {target}: the daemon is stopping every program", []);
        }

        var acted = new List<string>();
        var refused = new List<string>();
        foreach (var instance in instances)
        {
            var refusal = IsRetiring(instance) ? $"{instance.Id} is being stopped by a config reload; try again once it is done" : kind switch
            {
                CommandKind.Start => TryStart(instance),
                CommandKind.Stop => TryStop(instance),
                CommandKind.Restart => TryRestart(instance),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command"),
            };
            if (refusal is null)
            {
                acted.Add(instance.Id.ToString());
            }
            else
            {
                refused.Add(refusal);
            }
        }

        if (acted.Count == 0)
        {
            return new CommandResult(CommandStatus.Conflict, $"cannot {verb} {target}: {string.Join("; ", refused)}", []);
        }

        var message = $"{verb} {string.Join(", ", acted)}" + (refused.Count > 0 ? $"; skipped {string.Join("; ", refused)}" : "");
        return new CommandResult(CommandStatus.Accepted, message, acted);
    }

    /// <summary>The instances <paramref name="target"/> names, or null when it names none.</summary>
    private IReadOnlyList<Instance>? Resolve(string target)
    {
        if (target == AllTarget)
        {
            return _table.Instances.Count > 0 ? _table.Instances : null;
        }

        if (InstanceId.TryParse(target, out var id))
        {
            return _table.ByName.TryGetValue(id.Program, out var owner) && id.Index < owner.Instances.Count
                ? [owner.Instances[id.Index]]
                : null;
        }

        // Not an instance: a program by name, or a malformed instance (web:x), which names none.
        return target.Contains(InstanceId.Separator, StringComparison.Ordinal) || !_table.ByName.TryGetValue(target, out var program) || program.Instances.Count == 0
            ? null
            : program.Instances;
    }

    private string NotFoundMessage(string target)
    {
        if (target == AllTarget)
        {
            return "no programs are configured";
        }

        var name = InstanceId.ProgramPart(target);
        if (!_table.ByName.TryGetValue(name, out var program))
        {
            return $"no program named '{name}'";
        }

        return program.Instances.Count == 0
            ? $"{name} has no instances"
            : $"no instance '{target}': {name} has {program.Instances.Count} (from {new InstanceId(name, 0)} to {new InstanceId(name, program.Instances.Count - 1)})";
    }

    /// <summary>Start: from Stopped, Exited, Fatal or Backoff, with a fresh failure budget. Null when accepted.</summary>
    private string? TryStart(Instance instance)
    {
        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running:
                return $"{instance.Id} is already {instance.State}";
            case InstanceState.Stopping:
                return $"{instance.Id} is Stopping; start it once it is Stopped";
            case InstanceState.Stopped when instance.DependencyWait is not null:
                return $"{instance.Id} is already waiting for {UnmetDependencies(instance) ?? "its dependencies"}";
            default:
                StartByOperator(instance);
                return null;
        }
    }

    /// <summary>Stop: Starting and Running get the stop sequence; Backoff, Exited and Fatal go Stopped.</summary>
    private string? TryStop(Instance instance)
    {
        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running:
                BeginStop(instance, new StopPlan(AfterStop.Stopped, Reasons.Operator), Reasons.Operator);
                return null;
            case InstanceState.Stopping when instance.AfterGroup?.Then == AfterStop.Stopped:
                return $"{instance.Id} is already Stopping";
            case InstanceState.Stopping:
                // A restart or a health restart under way ends Stopped instead.
                instance.AfterGroup = new StopPlan(AfterStop.Stopped, Reasons.Operator);
                return null;
            case InstanceState.Stopped when instance.DependencyWait is not null:
                StopWaitingForDependencies(instance);
                instance.ReasonOverride = Reasons.Operator;
                Publish(instance);
                return null;
            case InstanceState.Stopped:
                return $"{instance.Id} is already Stopped";
            default:
                RequestStopped(instance, Reasons.Operator);
                return null;
        }
    }

    /// <summary>Restart: stop (when something runs), then start with a fresh failure budget.</summary>
    private string? TryRestart(Instance instance)
    {
        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running:
                instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.Operator);
                BeginStop(instance, new StopPlan(AfterStop.StartAgain, Reasons.Operator), Reasons.Operator);
                return null;
            case InstanceState.Stopping:
                instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.Operator);
                instance.AfterGroup = new StopPlan(AfterStop.StartAgain, Reasons.Operator);
                return null;
            default:
                return TryStart(instance);
        }
    }

    private void StartByOperator(Instance instance)
    {
        instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.Operator);
        instance.CancelTimers();
        RequestLaunch(instance, Reasons.Operator, automatic: false);
    }
}
