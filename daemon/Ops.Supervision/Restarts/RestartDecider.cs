using System.Globalization;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Restarts;

/// <summary>
/// The restart decision as a pure function: the caller reports what happened and acts on the answer (sleeps,
/// spawns, records). Nothing here touches a clock, a process or a log.
/// </summary>
public static class RestartDecider
{
    /// <summary>
    /// Decides what follows <paramref name="trigger"/> and returns the decision with the counters the instance keeps
    /// from now on: the caller only stores them. <paramref name="now"/> is on the same monotonic clock as
    /// <see cref="RestartCounters.RecentRestarts"/>.
    /// </summary>
    public static RestartVerdict Decide(
        RestartRules rules,
        RestartTrigger trigger,
        RestartCounters counters,
        TimeSpan now,
        IRandomSource random)
    {
        var decision = DecideOnly(rules, trigger, counters, now, random);
        return new RestartVerdict(decision, Next(counters, decision, now, rules.RestartWindow));
    }

    /// <summary>
    /// A new budget, for each of the moments that give one (<paramref name="reset"/>): the one place that says what
    /// each of them forgets.
    /// </summary>
    public static RestartCounters Reset(RestartCounters counters, BudgetReset reset) => reset switch
    {
        // The backoff delay grows with consecutive failures and starts over once a start succeeds; the restart
        // window still remembers the restarts that led here.
        BudgetReset.ReachedRunning => counters with { ConsecutiveFailures = 0 },

        // An operator's start, a fatal retry and a new spec deserve a budget of their own.
        BudgetReset.Operator or BudgetReset.FatalRetry or BudgetReset.NewSpec => RestartCounters.None,
        _ => throw new ArgumentOutOfRangeException(nameof(reset), reset, "unknown budget reset"),
    };

    /// <summary>
    /// The counters after <paramref name="decision"/>: every restart or give-up is one more consecutive failure; a
    /// restart is recorded in the window; entries that fell out of the window are forgotten.
    /// </summary>
    private static RestartCounters Next(RestartCounters counters, RestartDecision decision, TimeSpan now, TimeSpan window)
    {
        var recent = counters.RecentRestarts.Where(at => now - at < window);
        return decision switch
        {
            RestartDecision.Restart => new RestartCounters(counters.ConsecutiveFailures + 1, [.. recent, now]),
            RestartDecision.GiveUp => new RestartCounters(counters.ConsecutiveFailures + 1, [.. recent]),
            _ => new RestartCounters(counters.ConsecutiveFailures, [.. recent]),
        };
    }

    private static RestartDecision DecideOnly(
        RestartRules rules,
        RestartTrigger trigger,
        RestartCounters counters,
        TimeSpan now,
        IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(random);

        // A process that ran StartSeconds and then exited on its own is judged by its restart policy.
        if (trigger.ReachedRunning && !trigger.Forced && trigger.Exit is { } exit && !WantsRestart(rules, exit))
        {
            return new RestartDecision.Done(trigger.Reason);
        }

        var failures = counters.ConsecutiveFailures + 1;

        // A failed start (exit before StartSeconds, or no launch at all): MaxRestarts in a row is the budget.
        if (!trigger.ReachedRunning && failures > rules.MaxRestarts)
        {
            return new RestartDecision.GiveUp(string.Create(
                CultureInfo.InvariantCulture,
                $"{trigger.Reason}: {failures} failed starts in a row (MaxRestarts {rules.MaxRestarts})"));
        }

        // Every restart, failed start or not, counts against the sliding window; this one included.
        var inWindow = 1 + CountInside(counters.RecentRestarts, now, rules.RestartWindow);
        if (inWindow > rules.MaxRestarts)
        {
            return new RestartDecision.GiveUp(string.Create(
                CultureInfo.InvariantCulture,
                $"{trigger.Reason}: {inWindow} restarts within {rules.RestartWindow:c} (MaxRestarts {rules.MaxRestarts})"));
        }

        return new RestartDecision.Restart(Backoff.Delay(rules.Backoff, failures, random), trigger.Reason);
    }

    /// <summary>The restart policy applied to an exit after a successful start.</summary>
    private static bool WantsRestart(RestartRules rules, ProcessExit exit) => rules.Policy switch
    {
        RestartPolicy.Never => false,
        RestartPolicy.Always => true,

        // A death by signal has no exit code, so it is never a success.
        RestartPolicy.OnFailure => exit.ExitCode is not { } code || !rules.SuccessExitCodes.Contains(code),
        _ => throw new ArgumentOutOfRangeException(nameof(rules), rules.Policy, "unknown restart policy"),
    };

    private static int CountInside(IReadOnlyList<TimeSpan> restarts, TimeSpan now, TimeSpan window)
    {
        var count = 0;
        foreach (var at in restarts)
        {
            if (now - at < window)
            {
                count++;
            }
        }

        return count;
    }
}
