using Ops.Supervision.Os;

namespace Ops.Supervision;

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
        instance.PendingStop = null;
        if (_shuttingDown)
        {
            RequestStopped(instance, Reasons.Shutdown);
            return;
        }

        if (instance.Process is not null)
        {
            instance.PendingLaunch = new LaunchRequest(reason, automatic);
            return;
        }

        if (UnmetDependencies(instance) is { } unmet)
        {
            WaitForDependencies(instance, new LaunchRequest(reason, automatic), unmet);
            return;
        }

        Launch(instance, reason, automatic);
    }

    /// <summary>Starts a process: the launcher call is synchronous, so the pid is in the Starting record.</summary>
    private void Launch(Instance instance, string reason, bool automatic)
    {
        instance.Machine.EnsureAllowed(InstanceState.Starting, reason);
        StopWaitingForDependencies(instance);
        instance.PendingLaunch = null;
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
        instance.LastPid = process.Pid;
        instance.LeaderExited = false;
        instance.GroupConfirmedEmpty = false;
        instance.GroupWaitInFlight = false;
        instance.Killed = false;
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

        // The backoff delay grows with consecutive failures and starts over once a start succeeds.
        instance.ConsecutiveFailures = 0;
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

        instance.LeaderExited = true;
        instance.LastExit = exited.Exit;
        instance.LastStderrTail = TailOf(instance, exited.Process);
        var details = new TransitionDetails(exited.Process.Pid, exited.Exit, null, instance.LastStderrTail);

        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running:
                var reachedRunning = instance.State == InstanceState.Running;
                Decide(instance, RestartTrigger.FromExit(exited.Exit, reachedRunning), details, inlineRestart: true);
                break;

            case InstanceState.Stopping:
                // The stop is working. Grandchildren got the same signal: give them until the stop timeout.
                Publish(instance);
                EnsureGroupEnds(instance, killSurvivors: instance.Killed);
                break;

            default:
                Publish(instance);
                EnsureGroupEnds(instance, killSurvivors: true);
                break;
        }
    }

    /// <summary>Asks the pure restart decision what follows, then acts on it.</summary>
    private void Decide(Instance instance, RestartTrigger trigger, TransitionDetails details, bool inlineRestart)
    {
        var now = Now;
        var decision = RestartDecider.Decide(instance.Program.Rules, trigger, instance.Counters, now, _random);
        switch (decision)
        {
            case RestartDecision.Restart restart:
                instance.ConsecutiveFailures++;
                instance.RecordRestart(now);
                TransitionTo(instance, InstanceState.Backoff, restart.Reason, details with { Delay = restart.Delay });

                // Survivors of a dead leader would be a second copy next to the restarted one.
                EnsureGroupEnds(instance, killSurvivors: true);
                ScheduleBackoff(instance, restart.Delay, inlineRestart);
                break;

            case RestartDecision.GiveUp giveUp:
                instance.ConsecutiveFailures++;
                TransitionTo(instance, InstanceState.Fatal, giveUp.Reason, details);
                EnsureGroupEnds(instance, killSurvivors: true);
                ScheduleFatalRetry(instance);
                break;

            case RestartDecision.Done done:
                TransitionTo(instance, InstanceState.Exited, done.Reason, details);
                EnsureGroupEnds(instance, killSurvivors: true);
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
            case (InstanceTimer.StopTimeout, InstanceState.Stopping):
                OnStopTimeout(instance);
                break;
            case (InstanceTimer.FatalRetry, InstanceState.Fatal):
                instance.ResetBudget();
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
