namespace Ops.Daemon.Configuration;

/// <summary>One duration key's maximum, with the text it is shown as in errors and the README.</summary>
/// <param name="Value">The longest accepted value.</param>
/// <param name="Text">How an operator writes it: "1d".</param>
internal sealed record DurationLimit(TimeSpan Value, string Text);

/// <summary>
/// The longest value of each duration key. .NET timers, Task.Delay and CancellationTokenSource take at most
/// 2^32-2 ms (49.7 days) and HttpClient less; past that they throw at the moment they are armed (a stop, a restart,
/// a probe), long after the config was accepted. Each maximum is well inside that and still generous for its key.
/// </summary>
internal static class DurationLimits
{
    /// <summary>StopTimeout of programs and tasks: how long opsd waits after the stop signal before SIGKILL.</summary>
    public static readonly DurationLimit StopTimeout = new(TimeSpan.FromDays(1), "1d");

    /// <summary>
    /// The host's whole shutdown budget (longest program StopTimeout x dependency levels, or the longest task
    /// StopTimeout, plus a margin): HostOptions and Hangfire wait that long, and systemd's TimeoutStopSec follows.
    /// </summary>
    public static readonly DurationLimit ShutdownBudget = new(TimeSpan.FromDays(7), "7d");

    /// <summary>StartSeconds, Backoff Initial and Max, Health Interval and StartGrace: timers of the supervision loop.</summary>
    public static readonly DurationLimit Timer = new(TimeSpan.FromDays(1), "1d");

    /// <summary>RestartWindow, FatalRetryAfter, a task's Timeout and its RetryDelays.</summary>
    public static readonly DurationLimit Long = new(TimeSpan.FromDays(7), "7d");

    /// <summary>One health probe: a probe that takes longer than this is no health check.</summary>
    public static readonly DurationLimit Probe = new(TimeSpan.FromHours(1), "1h");

    /// <summary>How often something polls or ships: Storage PollInterval, Seq Period.</summary>
    public static readonly DurationLimit Poll = new(TimeSpan.FromHours(1), "1h");
}
