namespace Ops.Supervision.Supervising;

/// <summary>Stopping everything, in reverse dependency order, when the daemon stops.</summary>
public sealed partial class Supervisor
{
    private readonly List<TaskCompletionSource> _stopAllWaiters = [];
    private readonly Queue<IReadOnlyList<ProgramEntry>> _stopLevels = new();
    private IReadOnlyList<ProgramEntry>? _stoppingLevel;

    /// <summary>Once set, nothing starts any more: the daemon is on its way out.</summary>
    private bool _shuttingDown;

    /// <summary>
    /// Stops every instance in reverse dependency order (programs that depend on others first; a level starts
    /// stopping once the previous one is all Stopped) and completes when everything is Stopped with its process
    /// group confirmed empty. Nothing starts afterwards. Must be called while <see cref="RunAsync"/> runs;
    /// cancelling <paramref name="cancellationToken"/> stops waiting, not stopping.
    /// </summary>
    public Task StopAllAsync(CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new StopAllRequested(completion));
        return completion.Task.WaitAsync(cancellationToken);
    }

    private void BeginStopAll(TaskCompletionSource completion)
    {
        _stopAllWaiters.Add(completion);
        _shuttingDown = true;

        // What a reload has stopped so far stays stopped; the rest of it would only be undone by this pass.
        AbandonReloads("the daemon began stopping every program");

        // Start the pass over from the top: levels already stopped complete at once.
        _stopLevels.Clear();
        _stoppingLevel = null;
        foreach (var level in _table.StartLevels.Reverse())
        {
            _stopLevels.Enqueue(level);
        }

        SupervisorLog.StoppingAll(_logger, _table.StartLevels.Count);
    }

    /// <summary>Moves the stop-all pass on when the current level is all Stopped; runs after every event.</summary>
    private void AdvanceStopAll()
    {
        if (_stopAllWaiters.Count == 0)
        {
            return;
        }

        while (true)
        {
            if (_stoppingLevel is null)
            {
                if (!_stopLevels.TryDequeue(out var next))
                {
                    SupervisorLog.AllStopped(_logger);
                    foreach (var waiter in _stopAllWaiters)
                    {
                        waiter.TrySetResult();
                    }

                    _stopAllWaiters.Clear();
                    return;
                }

                _stoppingLevel = next;
                foreach (var instance in next.SelectMany(p => p.Instances))
                {
                    StopFor(instance, Reasons.Shutdown);
                }
            }

            if (!_stoppingLevel.SelectMany(p => p.Instances).All(i => i.State == InstanceState.Stopped && i.Process is null))
            {
                return;
            }

            _stoppingLevel = null;
        }
    }
}
