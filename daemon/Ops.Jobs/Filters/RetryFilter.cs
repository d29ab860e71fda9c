using System.Globalization;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Retries per task (Retries, RetryDelays), replacing Hangfire's global 10 retries: a failed attempt is scheduled
/// again after its delay until 1 + Retries attempts have run; then the job stays Failed (never deleted) and one
/// Error event says so. Like Hangfire's own AutomaticRetry, it elects the retry (a Scheduled state with a reason)
/// and, when that state is applied, keeps the job in the "retries" set that the console's Retries page lists.
/// </summary>
public sealed partial class RetryFilter(TaskCatalog catalog, TimeProvider time, Metrics.TaskMetrics metrics, ILogger<RetryFilter> logger) : IElectStateFilter, IApplyStateFilter
{
    /// <summary>The set Hangfire's Retries page and its sidebar count read.</summary>
    public const string RetriesSet = "retries";

    /// <summary>Every retry's reason starts so; it is how the applied state is known for a retry, as in Hangfire.</summary>
    private const string RetryReasonPrefix = "Retry ";

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed || TaskJobs.Spec(catalog, context.BackgroundJob.Job) is not { } spec)
        {
            return;
        }

        // A throttled run used no attempt: it waits, and is no retry (the Retries page does not list it).
        if (failed.Exception is ConcurrencyLimitException throttled)
        {
            context.CandidateState = new ScheduledState(DueAfter(ConcurrencyFilter.WaitBeforeRetry)) { Reason = throttled.Message };
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
        context.CandidateState = new ScheduledState(DueAfter(delay))
        {
            Reason = string.Create(CultureInfo.InvariantCulture, $"{RetryReasonPrefix}{attempt}/{spec.Retries} in {delay:c} after: {reason}"),
        };
        metrics.CountRun(spec.Name, Metrics.TaskMetrics.Outcomes.Retried);
        LogRetry(spec.Name, context.BackgroundJob.Id, attempt, delay, reason);
    }

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is ScheduledState { Reason: { } reason }
            && reason.StartsWith(RetryReasonPrefix, StringComparison.Ordinal)
            && TaskJobs.TaskName(context.BackgroundJob.Job) is not null)
        {
            transaction.AddToSet(RetriesSet, context.BackgroundJob.Id);
        }
    }

    /// <summary>
    /// A job leaves the set with the state it waited in: its retry is enqueued, or it is deleted or requeued from the
    /// console. Only leaving Scheduled or Failed can end a wait, so every other change costs no write.
    /// </summary>
    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if ((context.OldStateName == ScheduledState.StateName || context.OldStateName == FailedState.StateName)
            && TaskJobs.TaskName(context.BackgroundJob.Job) is not null)
        {
            transaction.RemoveFromSet(RetriesSet, context.BackgroundJob.Id);
        }
    }

    /// <summary>
    /// The wait is relative to now on the injected clock. Hangfire keeps schedule times in whole seconds, truncated,
    /// so a retry could come up to a second early; rounding the due time up to the next second makes every retry
    /// wait at least its configured delay. (Hangfire's ScheduledState(TimeSpan) reads the wall clock itself and
    /// cannot round.)
    /// </summary>
    private DateTime DueAfter(TimeSpan delay)
    {
        var due = time.GetUtcNow().UtcDateTime + delay;
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
