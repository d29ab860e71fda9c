using System.Globalization;
using Hangfire.States;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Retries per task (Retries, RetryDelays), replacing Hangfire's global 10 retries: a failed attempt is scheduled
/// again after its delay until 1 + Retries attempts have run; then the job stays Failed (never deleted) and one
/// Error event says so.
/// </summary>
public sealed partial class RetryFilter(TaskCatalog catalog, Metrics.TaskMetrics metrics, ILogger<RetryFilter> logger) : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed || TaskJobs.Spec(catalog, context.BackgroundJob.Job) is not { } spec)
        {
            return;
        }

        if (failed.Exception is ConcurrencyLimitException throttled)
        {
            context.CandidateState = new ScheduledState(NotBefore(DateTime.UtcNow + ConcurrencyFilter.WaitBeforeRetry)) { Reason = throttled.Message };
            return;
        }

        var attempt = context.GetJobParameter<int?>(JobParameters.Attempt) ?? 1;
        var reason = failed.Exception is TaskRunFailedException or AttemptsExhaustedException
            ? FirstLine(failed.Exception.Message)
            : failed.Exception?.GetType().Name + ": " + FirstLine(failed.Exception?.Message);
        if (failed.Exception is AttemptsExhaustedException || attempt >= spec.MaxAttempts)
        {
            metrics.CountRun(spec.Name, Metrics.TaskMetrics.Outcomes.Failed);
            LogFailedForGood(spec.Name, context.BackgroundJob.Id, attempt, spec.Queue, reason);
            return;
        }

        var delay = spec.RetryDelay(attempt);
        context.CandidateState = new ScheduledState(NotBefore(DateTime.UtcNow + delay))
        {
            Reason = string.Create(CultureInfo.InvariantCulture, $"Retry {attempt}/{spec.Retries} in {delay:c} after: {reason}"),
        };
        metrics.CountRun(spec.Name, Metrics.TaskMetrics.Outcomes.Retried);
        LogRetry(spec.Name, context.BackgroundJob.Id, attempt, delay, reason);
    }

    /// <summary>
    /// Hangfire keeps schedule times in whole seconds, truncated, so a retry could come up to a second early;
    /// rounding up to the next second makes every retry wait at least its configured delay.
    /// </summary>
    private static DateTime NotBefore(DateTime due)
    {
        var truncated = new DateTime(due.Ticks - (due.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        return truncated == due ? due : truncated.AddSeconds(1);
    }

    private static string FirstLine(string? text) =>
        text is null ? string.Empty : text.Split('\n', 2)[0].TrimEnd('\r', ';');

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {Task} job {JobId} attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    private partial void LogRetry(string task, string jobId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Task {Task} job {JobId} failed after its last attempt {Attempt} on queue {Queue}: {Reason}")]
    private partial void LogFailedForGood(string task, string jobId, int attempt, string queue, string reason);
}
