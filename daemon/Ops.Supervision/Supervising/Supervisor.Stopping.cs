using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>
/// The stop sequence: StopSignal to the group, StopTimeout, SIGKILL to the group, then the group confirmed empty,
/// and only then Stopped (or Backoff, Fatal, Starting). The heart decides what follows; the edge performs the whole
/// sequence as one operation (<see cref="IRunningProcess.StopAsync"/>).
/// </summary>
public sealed partial class Supervisor
{
    /// <summary>Begins stopping a Starting or Running instance; <paramref name="plan"/> says what follows.</summary>
    private void BeginStop(Instance instance, StopPlan plan, string reason)
    {
        var process = instance.Process;
        TransitionTo(instance, InstanceState.Stopping, reason, new TransitionDetails(Pid: instance.LivePid));
        instance.AfterGroup = plan;
        if (process is null)
        {
            CompleteStop(instance);
            return;
        }

        // The leader may already be gone with its exit event still queued: the stop at the edge sees that itself.
        instance.Machine.MoveGroup(GroupPhase.Stopping, reason);
        StartStop(instance, process, (int)instance.Spec.StopSignal, instance.Spec.StopTimeout);
    }

    /// <summary>The group of a Stopping instance is confirmed empty: carry out the plan.</summary>
    private void CompleteStop(Instance instance)
    {
        var plan = instance.AfterGroup ?? new StopPlan(AfterStop.Stopped, Reasons.Operator);
        instance.AfterGroup = null;
        var details = new TransitionDetails(instance.LastPid, instance.LastExit, null, instance.LastStderrTail);

        switch (plan.Then)
        {
            case AfterStop.Stopped:
                TransitionTo(instance, InstanceState.Stopped, plan.Reason, details);
                break;

            case AfterStop.StartAgain:
                TransitionTo(instance, InstanceState.Stopped, plan.Reason, details);
                RequestLaunch(instance, plan.Reason, automatic: false);
                break;

            case AfterStop.Backoff:
                TransitionTo(instance, InstanceState.Backoff, plan.Reason, details with { Delay = plan.Delay });
                ScheduleBackoff(instance, plan.Delay, inline: true);
                break;

            case AfterStop.Fatal:
                TransitionTo(instance, InstanceState.Fatal, plan.Reason, details);
                ScheduleFatalRetry(instance);
                break;
        }
    }

    /// <summary>
    /// Moves a Backoff, Exited or Fatal instance to Stopped, once its last group is confirmed empty. Cancels any
    /// pending start, dependency wait or timer.
    /// </summary>
    private void RequestStopped(Instance instance, string reason)
    {
        if (instance.State != InstanceState.Stopping)
        {
            instance.AfterGroup = null;
        }

        StopWaitingForDependencies(instance);
        if (instance.State is not (InstanceState.Backoff or InstanceState.Exited or InstanceState.Fatal))
        {
            return;
        }

        if (instance.Process is not null)
        {
            instance.CancelTimers();
            instance.AfterGroup = new StopPlan(AfterStop.Stopped, reason);
            return;
        }

        TransitionTo(instance, InstanceState.Stopped, reason);
    }

    /// <summary>
    /// Stops <paramref name="instance"/> for good, whatever its state, for the daemon's shutdown or a reload: the stop
    /// sequence when something runs, Stopped otherwise; a stop under way ends Stopped; a dependency wait is dropped.
    /// </summary>
    private void StopFor(Instance instance, string reason)
    {
        switch (instance.State)
        {
            case InstanceState.Starting or InstanceState.Running:
                BeginStop(instance, new StopPlan(AfterStop.Stopped, reason), reason);
                break;
            case InstanceState.Stopping:
                instance.AfterGroup = new StopPlan(AfterStop.Stopped, reason);
                break;
            case InstanceState.Stopped when instance.DependencyWait is not null:
                StopWaitingForDependencies(instance);
                instance.ReasonOverride = reason;
                Publish(instance);
                break;
            default:
                RequestStopped(instance, reason);
                break;
        }
    }

    /// <summary>A health or memory check condemned a Running instance: stop it, then restart or give up.</summary>
    private void Condemn(Instance instance, string reason)
    {
        var (decision, next) = RestartDecider.Decide(instance.Program.Rules, RestartTrigger.Condemned(reason), instance.Counters, Now, _random);
        instance.Counters = next;
        var plan = decision switch
        {
            RestartDecision.Restart restart => new StopPlan(AfterStop.Backoff, restart.Reason, restart.Delay),
            RestartDecision.GiveUp giveUp => new StopPlan(AfterStop.Fatal, giveUp.Reason),
            _ => new StopPlan(AfterStop.Stopped, decision.Reason),
        };
        BeginStop(instance, plan, reason);
    }
}
