using Microsoft.Extensions.Logging;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>What other threads may read, and the one place instance states change.</summary>
public sealed partial class Supervisor
{
    /// <inheritdoc/>
    public TimeSpan SinceLastLoopTurn => _time.GetElapsedTime(Volatile.Read(ref _lastTurn));

    /// <inheritdoc/>
    public IReadOnlyList<InstanceSnapshot> Snapshot() => [.. _table.Instances.Select(i => i.Snapshot)];

    /// <inheritdoc/>
    public IReadOnlyList<InstanceSnapshot>? Snapshot(string program) =>
        program is not null && _table.ByName.TryGetValue(program, out var entry)
            ? [.. entry.Instances.Select(i => i.Snapshot)]
            : null;

    /// <inheritdoc/>
    public IReadOnlyList<TransitionRecord>? History(string program) =>
        program is not null && _table.ByName.TryGetValue(program, out var entry)
            ? [.. entry.Instances
                .SelectMany(i => i.Machine.HistoryNewestFirst())
                .OrderByDescending(e => e.Sequence)
                .Select(e => e.Record)]
            : null;

    /// <inheritdoc/>
    public int? PidOf(string program, int instance) =>
        program is not null && _table.ByName.TryGetValue(program, out var entry) && instance >= 0 && instance < entry.Instances.Count
            ? entry.Instances[instance].Snapshot.Pid
            : null;

    /// <summary>
    /// The choke point of every state change: checks the table (throws <see cref="IllegalTransitionException"/>),
    /// records, cancels the old state's timers, publishes, logs, and tells observers.
    /// </summary>
    private void TransitionTo(Instance instance, InstanceState next, string reason, TransitionDetails details = default)
    {
        var record = instance.Machine.TransitionTo(next, reason, details);
        instance.CancelTimers();
        instance.ReasonOverride = null;
        _changed = true;
        Publish(instance);
        LogTransition(instance, record);
        Raise(instance, record);
    }

    /// <summary>Publishes a fresh snapshot of <paramref name="instance"/> for API threads.</summary>
    private void Publish(Instance instance)
    {
        instance.Snapshot = new InstanceSnapshot(
            instance.Id,
            instance.State,
            instance.LivePid,
            instance.Machine.Since,
            instance.Restarts,
            instance.LastExit?.ExitCode,
            instance.LastExit?.Signal,
            instance.ReasonOverride ?? instance.Machine.Reason,
            instance.HealthCheck is null ? null : instance.Healthy);
    }

    private void LogTransition(Instance instance, TransitionRecord record)
    {
        // One Error when the budget is spent (FatalRetryAfter makes that a periodic reminder), Warning from the
        // second failure in a row on, Information otherwise.
        var level = record.To switch
        {
            InstanceState.Fatal => LogLevel.Error,
            InstanceState.Backoff when instance.Counters.ConsecutiveFailures > 1 => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var facts = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Pid"] = record.Pid };
        if (record.ExitCode is { } exitCode)
        {
            facts["ExitCode"] = exitCode;
        }

        if (record.Signal is { } signal)
        {
            facts["Signal"] = signal;
        }

        if (record.Delay is { } delay)
        {
            facts["Delay"] = delay;
        }

        using (_logger.BeginScope(facts))
        {
            SupervisorLog.Transition(_logger, level, record.Program, record.Instance, record.From, record.To, record.Reason);
        }
    }

    /// <summary>Tells each observer in turn; one that throws is logged and the others still hear.</summary>
    private void Raise(Instance instance, TransitionRecord record)
    {
        if (TransitionRecorded is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<TransitionRecord>>())
        {
            try
            {
                handler(this, record);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                SupervisorLog.ObserverFailed(_logger, instance.Program.Name, instance.Index, record.To, record.Reason, ex);
            }
        }
    }
}
