using Ops.Supervision.Os;

namespace Ops.Supervision;

/// <summary>
/// Making sure a process group is gone before anything reports Stopped or starts a new copy: the leader's exit
/// is not enough, grandchildren count too.
/// </summary>
public sealed partial class Supervisor
{
    /// <summary>How long one wait for an empty group lasts before the supervisor kills the group again.</summary>
    private static readonly TimeSpan GroupWaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Pause before waiting again when the wait itself failed, so a broken edge cannot spin the loop.</summary>
    private static readonly TimeSpan GroupRecheckDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ends the group of the instance's exited leader: at once when it is already empty, else after a wait.
    /// <paramref name="killSurvivors"/> kills what is left first (never during the grace of a stop).
    /// </summary>
    private void EnsureGroupEnds(Instance instance, bool killSurvivors)
    {
        if (instance.Process is not { } process || !instance.LeaderExited)
        {
            return;
        }

        if (instance.GroupConfirmedEmpty || GroupIsEmpty(instance, process))
        {
            EndGroup(instance);
            return;
        }

        if (killSurvivors)
        {
            SupervisorLog.KillingSurvivors(_logger, instance.Program.Name, instance.Index, process.Pid);
            Kill(instance, process);
        }

        WaitForGroup(instance, process);
    }

    /// <summary>Starts one wait for the group to empty, unless one is already running.</summary>
    private void WaitForGroup(Instance instance, IRunningProcess process)
    {
        if (instance.GroupWaitInFlight)
        {
            return;
        }

        instance.GroupWaitInFlight = true;
        Task<bool> wait;
        try
        {
            wait = process.WaitGroupEmptyAsync(GroupWaitTimeout, _lifetime.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            wait = Task.FromException<bool>(ex);
        }

        _ = wait.ContinueWith(
            t => Post(new GroupWaitEnded(
                instance,
                process,
                t.IsCompletedSuccessfully && t.Result,
                t.IsCompletedSuccessfully ? null : t.Exception?.GetBaseException())),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void OnGroupWaitEnded(GroupWaitEnded ended)
    {
        var instance = ended.Instance;
        if (!ReferenceEquals(instance.Process, ended.Process))
        {
            return;
        }

        instance.GroupWaitInFlight = false;
        if (ended.Empty)
        {
            instance.GroupConfirmedEmpty = true;

            // An empty group means the leader was reaped; its exit event ends the group when it arrives.
            if (instance.LeaderExited)
            {
                EndGroup(instance);
            }

            return;
        }

        if (ended.Error is not null)
        {
            SupervisorLog.GroupStillAlive(_logger, instance.Program.Name, instance.Index, ended.Process.Pid, ended.Error);
            instance.GroupTimer?.Dispose();
            instance.GroupTimer = _time.CreateTimer(
                _ => Post(new GroupRecheckDue(instance, ended.Process)), null, GroupRecheckDelay, Timeout.InfiniteTimeSpan);
            return;
        }

        // Still a graceful stop inside its StopTimeout: keep waiting, the stop timer escalates.
        if (instance.State == InstanceState.Stopping && !instance.Killed)
        {
            WaitForGroup(instance, ended.Process);
            return;
        }

        SupervisorLog.GroupStillAlive(_logger, instance.Program.Name, instance.Index, ended.Process.Pid, null);
        Kill(instance, ended.Process);
        WaitForGroup(instance, ended.Process);
    }

    private void OnGroupRecheckDue(GroupRecheckDue due)
    {
        var instance = due.Instance;
        if (!ReferenceEquals(instance.Process, due.Process))
        {
            return;
        }

        if (instance.LeaderExited && GroupIsEmpty(instance, due.Process))
        {
            EndGroup(instance);
            return;
        }

        if (instance.State != InstanceState.Stopping || instance.Killed)
        {
            Kill(instance, due.Process);
        }

        WaitForGroup(instance, due.Process);
    }

    /// <summary>The group is gone: drop its orphan record, release the handle, and do what was waiting for it.</summary>
    private void EndGroup(Instance instance)
    {
        var process = instance.Process!;
        Try(instance, process, "removing the orphan record", p => p.MarkGroupEnded());
        Try(instance, process, "releasing the process handle", p => p.Dispose());
        instance.Process = null;
        instance.GroupConfirmedEmpty = false;
        instance.GroupWaitInFlight = false;
        instance.GroupTimer?.Dispose();
        instance.GroupTimer = null;
        Publish(instance);

        switch (instance.State)
        {
            case InstanceState.Stopping:
                CompleteStop(instance);
                break;

            case InstanceState.Backoff or InstanceState.Exited or InstanceState.Fatal:
                if (instance.PendingStop is { } stopReason)
                {
                    instance.PendingStop = null;
                    TransitionTo(instance, InstanceState.Stopped, stopReason);
                }
                else if (instance.PendingLaunch is { } launch)
                {
                    instance.PendingLaunch = null;
                    RequestLaunch(instance, launch.Reason, launch.Automatic);
                }

                break;
        }
    }

    private bool GroupIsEmpty(Instance instance, IRunningProcess process)
    {
        try
        {
            return process.GroupIsEmpty();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.ProcessCallFailed(_logger, instance.Program.Name, instance.Index, process.Pid, "checking the process group", ex);
            return false;
        }
    }

    private void Kill(Instance instance, IRunningProcess process) =>
        Try(instance, process, "SIGKILL to the process group", p => p.Kill());

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
