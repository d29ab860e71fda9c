using Ops.Supervision.Os;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>
/// Making sure a process group is gone before anything reports Stopped or starts a new copy: the leader's exit
/// is not enough, grandchildren count too. Every stop goes through the edge's one operation,
/// <see cref="IRunningProcess.StopAsync"/>, whose end comes back to the loop as one <see cref="StopEnded"/> event.
/// </summary>
public sealed partial class Supervisor
{
    /// <summary>Pause before stopping again when the stop itself failed, so a broken edge cannot spin the loop.</summary>
    private static readonly TimeSpan StopRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The signal that kills what is left.</summary>
    private const int SigKill = 9;

    /// <summary>
    /// The leader of a live group exited on its own: what it left in its group (or out of it) is killed, and the
    /// group ends once that is confirmed.
    /// </summary>
    private void EndExitedGroup(Instance instance, string reason)
    {
        if (instance.Process is not { } process || instance.Group != GroupPhase.Alive)
        {
            return;
        }

        instance.Machine.MoveGroup(GroupPhase.Ending, reason);
        StartStop(instance, process, SigKill, TimeSpan.Zero);
    }

    /// <summary>Starts one stop of the whole launch at the edge; its end is posted as <see cref="StopEnded"/>.</summary>
    private void StartStop(Instance instance, IRunningProcess process, int signal, TimeSpan grace)
    {
        Task<StopOutcome> stop;
        try
        {
            stop = process.StopAsync(signal, grace, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            stop = Task.FromException<StopOutcome>(ex);
        }

        // The common case of a crash: the leader took everything with it and the edge knew at once. The end is
        // handled in this turn, as a restart with no backoff then launches in the exit's own turn (no extra hop
        // through the channel on the restart path).
        if (stop.IsCompletedSuccessfully && stop.Result.Gone && process.Exited.IsCompletedSuccessfully)
        {
            OnStopEnded(new StopEnded(instance, process, signal, grace, stop.Result, null));
            return;
        }

        _ = PostStopEndAsync(instance, process, signal, grace, stop, _lifetime.Token);
    }

    /// <summary>
    /// Waits for the stop, then for the leader's exit when everything is gone (its exit event is posted first, so the
    /// stop's end finds it recorded), and posts the end. A failed stop is posted after a pause.
    /// </summary>
    private async Task PostStopEndAsync(
        Instance instance, IRunningProcess process, int signal, TimeSpan grace, Task<StopOutcome> stop, CancellationToken lifetime)
    {
        StopOutcome outcome;
        try
        {
            outcome = await stop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            try
            {
                await Task.Delay(StopRetryDelay, _time, lifetime).ConfigureAwait(false);
            }
            catch (Exception delay) when (delay is OperationCanceledException or ObjectDisposedException)
            {
                // The supervisor is gone: nobody is left to retry.
                return;
            }

            Post(new StopEnded(instance, process, signal, grace, default, ex));
            return;
        }

        if (outcome.Gone)
        {
            Task exited = process.Exited;
            await exited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Post(new StopEnded(instance, process, signal, grace, outcome, null));
    }

    private void OnStopEnded(StopEnded ended)
    {
        var instance = ended.Instance;
        if (!ReferenceEquals(instance.Process, ended.Process))
        {
            return;
        }

        if (ended.Error is not null)
        {
            // The edge failed, not the processes: what is left is killed, since a stop that cannot be carried out
            // must not leave a second copy possible.
            SupervisorLog.ProcessCallFailed(_logger, instance.Program.Name, instance.Index, ended.Process.Pid, "stopping the process group", ended.Error);
            StartStop(instance, ended.Process, SigKill, TimeSpan.Zero);
            return;
        }

        var outcome = ended.Outcome;
        if (ended.Grace > TimeSpan.Zero && outcome.Ending != StopEnding.GoneAfterSignal)
        {
            SupervisorLog.StopTimedOut(
                _logger, instance.Program.Name, instance.Index, ended.Process.Pid, ended.Grace, instance.Spec.StopSignal.ToString());
        }
        else if (ended.Grace <= TimeSpan.Zero && outcome.Ending == StopEnding.GoneAfterKill)
        {
            SupervisorLog.KillingSurvivors(_logger, instance.Program.Name, instance.Index, ended.Process.Pid);
        }

        if (!outcome.Gone)
        {
            // Stuck in the kernel: reported, and killed again; the group stays until it is confirmed empty.
            SupervisorLog.GroupStillAlive(_logger, instance.Program.Name, instance.Index, ended.Process.Pid, string.Join(",", outcome.Survivors), null);
            StartStop(instance, ended.Process, SigKill, TimeSpan.Zero);
            return;
        }

        if (instance.Group == GroupPhase.Stopping && ended.Process.Exited.IsCompletedSuccessfully)
        {
            // Everything is gone but the exit event has not been handled: record it here, it will find no process.
            RecordExit(instance, ended.Process, ended.Process.Exited.Result);
        }

        EndGroup(instance);
    }

    /// <summary>The group is gone: drop its orphan record, release the handle, and do what was waiting for it.</summary>
    private void EndGroup(Instance instance)
    {
        var process = instance.Process!;
        Try(instance, process, "removing the orphan record", p => p.MarkGroupEnded());
        Try(instance, process, "releasing the process handle", p => p.Dispose());
        instance.Process = null;
        instance.Machine.MoveGroup(GroupPhase.None, "group confirmed empty");
        Publish(instance);

        if (instance.State == InstanceState.Stopping)
        {
            CompleteStop(instance);
            return;
        }

        if (instance.State is (InstanceState.Backoff or InstanceState.Exited or InstanceState.Fatal) && instance.AfterGroup is { } next)
        {
            instance.AfterGroup = null;
            if (next.Then == AfterStop.StartAgain)
            {
                RequestLaunch(instance, next.Reason, next.Automatic);
            }
            else
            {
                TransitionTo(instance, InstanceState.Stopped, next.Reason);
            }
        }
    }

    private void Try(Instance instance, IRunningProcess process, string operation, Action<IRunningProcess> action)
    {
        try
        {
            action(process);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.ProcessCallFailed(_logger, instance.Program.Name, instance.Index, process.Pid, operation, ex);
        }
    }
}
