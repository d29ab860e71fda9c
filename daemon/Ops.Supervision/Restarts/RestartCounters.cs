namespace Ops.Supervision.Restarts;

/// <summary>What an instance remembers of its past failures; only <see cref="RestartDecider"/> computes new ones.</summary>
/// <param name="ConsecutiveFailures">
/// Failures since the process last reached Running (failed starts and restarts alike); drives the backoff delay.
/// </param>
/// <param name="RecentRestarts">
/// When the recent automatic restarts were decided, on the supervisor's monotonic clock (time since it started).
/// Entries older than the restart window are ignored, and <see cref="RestartDecider.Decide"/> drops them from the
/// counters it returns.
/// </param>
public readonly record struct RestartCounters(int ConsecutiveFailures, IReadOnlyList<TimeSpan> RecentRestarts)
{
    /// <summary>A fresh budget.</summary>
    public static RestartCounters None { get; } = new(0, []);
}
