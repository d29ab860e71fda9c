using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>Starting, running, exiting and restarting: the decide-then-act half of the loop.</summary>
public sealed partial class Supervisor
{
    /// <summary>Lines of stderr kept with an exit's transition record.</summary>
    private const int StderrTailLines = 20;

    /// <summary>Exit code recorded when the edge could not say how a process ended.</summary>
    private const int UnknownExitCode = -1;

    private void AutoStart()
    {
        foreach (var level in _table.StartLevels)
        {
            foreach (var program in level.Where(p => p.Spec.AutoStart))
            {
                foreach (var instance in program.Instances)
                {
                    if (instance.State == InstanceState.Stopped && instance.DependencyWait is null)
                    {
                        RequestLaunch(instance, Reasons.AutoStart, automatic: false);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Launches now when nothing holds the instance back; otherwise remembers the request: until the old process
    /// group is confirmed empty (never two copies), or, as Stopped, until every dependency is up.
    /// </summary>
    private void RequestLaunch(Instance instance, string reason, bool automatic)
    {
        if (instance.State != InstanceState.Stopping)
        {
            instance.AfterGroup = null;
        }

        if (_shuttingDown)
        {
            RequestStopped(instance, Reasons.Shutdown);
            return;
        }

        if (instance.Group != GroupPhase.None)
        {
            instance.AfterGroup = new StopPlan(AfterStop.StartAgain, reason, Automatic: automatic);
            return;
        }

        if (UnmetDependencies(instance) is { } unmet)
        {
            WaitForDependencies(instance, new LaunchRequest(reason, automatic), unmet);
            return;
        }

        Launch(instance, reason, automatic);
    }

    /// <summary>
    /// Starts a process: the launcher call is synchronous, so the pid is in the Starting record. The state machine
    /// refuses it while a group of the instance lives (never two copies).
    /// </summary>
    private void Launch(Instance instance, string reason, bool automatic)
    {
        instance.Machine.EnsureAllowed(InstanceState.Starting, reason);
        instance.Machine.EnsureGroupAllowed(GroupPhase.Alive, reason);
        StopWaitingForDependencies(instance);
        instance.AfterGroup = null;
        if (automatic)
        {
            instance.Restarts++;
        }

        IRunningProcess process;
        try
        {
            process = _launcher.Start(instance.LaunchSpec);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (ex is not LaunchException)
            {
                SupervisorLog.LauncherFailed(_logger, instance.Program.Name, instance.Index, ex.Message, ex);
            }

            instance.ReachedRunning = false;
            instance.LastPid = null;
            TransitionTo(instance, InstanceState.Starting, reason);
            Decide(instance, RestartTrigger.FromLaunchFailure(ex.Message), default, inlineRestart: false);
            return;
        }

        instance.Process = process;
        instance.Machine.MoveGroup(GroupPhase.Alive, reason);
        instance.LastPid = process.Pid;
        instance.ReachedRunning = false;
        instance.Healthy = null;
        instance.HealthFailures = 0;
        TransitionTo(instance, InstanceState.Starting, reason, new TransitionDetails(Pid: process.Pid));
        WatchExit(instance, process);

        // A zero StartSeconds means "Running as soon as it is spawned".
        if (instance.Spec.StartSeconds <= TimeSpan.Zero)
        {
            EnterRunning(instance);
        }
        else
        {
            StartPhaseTimer(instance, InstanceTimer.StartSeconds, instance.Spec.StartSeconds);
        }
    }

    private void EnterRunning(Instance instance)
    {
        instance.ReachedRunning = true;
        instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.ReachedRunning);
        TransitionTo(instance, InstanceState.Running, Reasons.Started, new TransitionDetails(Pid: instance.LivePid));
        StartHealthChecks(instance);
    }

    /// <summary>Posts the leader's exit as an event. Runs inline on the reaper's thread: it only enqueues.</summary>
    private void WatchExit(Instance instance, IRunningProcess process)
    {
        _ = process.Exited.ContinueWith(
            exited =>
            {
                var exit = exited.IsCompletedSuccessfully ? exited.Result : ProcessExit.Exited(UnknownExitCode);
                if (!exited.IsCompletedSuccessfully)
                {
                    SupervisorLog.ExitUnknown(
                        _logger, instance.Program.Name, instance.Index, process.Pid, UnknownExitCode, exited.Exception);
                }

                Post(new ProcessExited(instance, process, exit));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void OnProcessExited(ProcessExited exited)
    {
        var instance = exited.Instance;
        if (!ReferenceEquals(instance.Process, exited.Process))
        {
            return;
        }

        RecordExit(instance, exited.Process, exited.Exit);
        var details = new TransitionDetails(exited.Process.Pid, exited.Exit, null, instance.LastStderrTail);

        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running when instance.Group == GroupPhase.Alive:
                var reachedRunning = instance.State == InstanceState.Running;
                Decide(instance, RestartTrigger.FromExit(exited.Exit, reachedRunning), details, inlineRestart: true);
                break;

            default:
                // A stop is working: the leader obeyed. The rest of its group keeps the grace the stop gave it.
                Publish(instance);
                EndExitedGroup(instance, exited.Exit.Describe());
                break;
        }
    }

    /// <summary>Keeps the leader's exit and its last stderr lines; a stop under way carries on with the rest of the group.</summary>
    private void RecordExit(Instance instance, IRunningProcess process, ProcessExit exit)
    {
        if (instance.Group == GroupPhase.Stopping)
        {
            instance.Machine.MoveGroup(GroupPhase.Ending, exit.Describe());
        }

        instance.LastExit = exit;
        instance.LastStderrTail = TailOf(instance, process);
    }

    /// <summary>Asks the pure restart decision what follows, stores the counters it returns, then acts on it.</summary>
    private void Decide(Instance instance, RestartTrigger trigger, TransitionDetails details, bool inlineRestart)
    {
        var (decision, next) = RestartDecider.Decide(instance.Program.Rules, trigger, instance.Counters, Now, _random);
        instance.Counters = next;
        switch (decision)
        {
            case RestartDecision.Restart restart:
                TransitionTo(instance, InstanceState.Backoff, restart.Reason, details with { Delay = restart.Delay });

                // Survivors of a dead leader would be a second copy next to the restarted one.
                EndExitedGroup(instance, restart.Reason);
                ScheduleBackoff(instance, restart.Delay, inlineRestart);
                break;

            case RestartDecision.GiveUp giveUp:
                TransitionTo(instance, InstanceState.Fatal, giveUp.Reason, details);
                EndExitedGroup(instance, giveUp.Reason);
                ScheduleFatalRetry(instance);
                break;

            case RestartDecision.Done done:
                TransitionTo(instance, InstanceState.Exited, done.Reason, details);
                EndExitedGroup(instance, done.Reason);
                break;
        }
    }

    /// <summary>
    /// Waits the backoff delay. A zero delay after an exit launches right here, in the exit's own turn; a zero delay
    /// after a failed launch goes through the channel so a launcher that always throws cannot recurse.
    /// </summary>
    private void ScheduleBackoff(Instance instance, TimeSpan delay, bool inline)
    {
        if (delay <= TimeSpan.Zero && inline)
        {
            RequestLaunch(instance, Reasons.Restart, automatic: true);
            return;
        }

        StartPhaseTimer(instance, InstanceTimer.Backoff, delay);
    }

    private void ScheduleFatalRetry(Instance instance)
    {
        if (instance.Spec.FatalRetryAfter is { } after && !_shuttingDown)
        {
            StartPhaseTimer(instance, InstanceTimer.FatalRetry, after);
        }
    }

    private void OnTimer(InstanceTimerFired fired)
    {
        var instance = fired.Instance;
        if (fired.Generation != instance.Generation)
        {
            return;
        }

        switch (fired.Kind, instance.State)
        {
            case (InstanceTimer.StartSeconds, InstanceState.Starting):
                EnterRunning(instance);
                break;
            case (InstanceTimer.Backoff, InstanceState.Backoff):
                RequestLaunch(instance, Reasons.Restart, automatic: true);
                break;
            case (InstanceTimer.FatalRetry, InstanceState.Fatal):
                instance.Counters = RestartDecider.Reset(instance.Counters, BudgetReset.FatalRetry);
                RequestLaunch(instance, Reasons.FatalRetry, automatic: true);
                break;
            case (InstanceTimer.HealthTick, InstanceState.Running):
                OnHealthTick(instance);
                break;
        }
    }

    /// <summary>Arms the one timer of the current state; a zero delay posts at once.</summary>
    private void StartPhaseTimer(Instance instance, InstanceTimer kind, TimeSpan due)
    {
        instance.PhaseTimer?.Dispose();
        instance.PhaseTimer = null;
        var fired = new InstanceTimerFired(instance, instance.Generation, kind);
        if (due <= TimeSpan.Zero)
        {
            Post(fired);
            return;
        }

        instance.PhaseTimer = _time.CreateTimer(_ => Post(fired), null, due, Timeout.InfiniteTimeSpan);
    }

    private IReadOnlyList<string> TailOf(Instance instance, IRunningProcess process)
    {
        try
        {
            return process.Tail(OutputStream.Stderr, StderrTailLines);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.ProcessCallFailed(_logger, instance.Program.Name, instance.Index, process.Pid, "reading the stderr tail", ex);
            return [];
        }
    }
}
