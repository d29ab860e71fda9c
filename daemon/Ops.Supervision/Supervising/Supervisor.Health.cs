using Ops.Supervision.Os;

namespace Ops.Supervision.Supervising;

/// <summary>Health checks: probes run off the loop, one at a time per instance; the loop only sees results.</summary>
public sealed partial class Supervisor
{
    /// <summary>Arms the probe timer of an instance that just reached Running: first after StartGrace, then every Interval.</summary>
    private void StartHealthChecks(Instance instance)
    {
        if (instance.HealthCheck is not { } check)
        {
            return;
        }

        instance.HealthFailures = 0;
        var tick = new InstanceTimerFired(instance, instance.Generation, InstanceTimer.HealthTick);
        var period = check.Interval > TimeSpan.Zero ? check.Interval : Timeout.InfiniteTimeSpan;
        if (check.StartGrace > TimeSpan.Zero)
        {
            instance.HealthTimer = _time.CreateTimer(_ => Post(tick), null, check.StartGrace, period);
            return;
        }

        // No grace: probe right away, then every Interval.
        Post(tick);
        if (period != Timeout.InfiniteTimeSpan)
        {
            instance.HealthTimer = _time.CreateTimer(_ => Post(tick), null, period, period);
        }
    }

    private void OnHealthTick(Instance instance)
    {
        // A slow probe is not stacked up behind: the tick is skipped until it answers (or times out).
        if (instance.ProbeInFlight || instance.HealthCheck is not { } check)
        {
            return;
        }

        instance.ProbeInFlight = true;
        var generation = instance.Generation;
        var token = _lifetime.Token;
        RunOffLoop(
            () => _probe.CheckAsync(check, token),
            result => new HealthChecked(instance, generation, result),
            error => new HealthChecked(instance, generation, new HealthResult(false, error.Message)));
    }

    private void OnHealthChecked(HealthChecked checkedEvent)
    {
        var instance = checkedEvent.Instance;
        instance.ProbeInFlight = false;
        if (checkedEvent.Generation != instance.Generation
            || instance.State != InstanceState.Running
            || instance.HealthCheck is not { } check)
        {
            return;
        }

        var result = checkedEvent.Result;
        if (result.Healthy)
        {
            instance.HealthFailures = 0;
            if (instance.Healthy != true)
            {
                instance.Healthy = true;
                _changed = true;
                Publish(instance);
                SupervisorLog.Healthy(_logger, instance.Program.Name, instance.Index, instance.LivePid);
            }

            return;
        }

        var threshold = Math.Max(check.FailureThreshold, 1);
        instance.HealthFailures++;
        if (instance.Healthy != false)
        {
            instance.Healthy = false;
            _changed = true;
            Publish(instance);
        }

        SupervisorLog.HealthCheckFailed(
            _logger, instance.Program.Name, instance.Index, instance.LivePid, result.Detail, instance.HealthFailures, threshold);
        if (instance.HealthFailures >= threshold)
        {
            Condemn(instance, Reasons.Health);
        }
    }
}
