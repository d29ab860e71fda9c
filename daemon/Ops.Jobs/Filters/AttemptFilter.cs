using System.Globalization;
using Hangfire.Server;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Counts every start of a task run BEFORE it starts, in the job's own storage, so that a run interrupted by a
/// daemon crash still counts as an attempt (Hangfire alone would hand it out again forever). A run that has
/// already used 1 + Retries attempts is not started again: it fails with the reason.
/// </summary>
public sealed class AttemptFilter(TaskCatalog catalog) : IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
        if (TaskJobs.Spec(catalog, context.BackgroundJob.Job) is not { } spec)
        {
            return;
        }

        // The worker read the job's parameters just before this (the snapshot); nobody else writes this one while
        // the worker holds the job, so the snapshot is current and saves a storage round trip per run.
        var previous = context.GetJobParameter<int?>(JobParameters.Attempt, allowStale: true) ?? 0;
        var attempt = previous + 1;
        context.SetJobParameter(JobParameters.Attempt, attempt);
        context.Items[JobParameters.AttemptItem] = attempt;
        if (attempt > spec.MaxAttempts)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"attempt {attempt} would pass 1 + Retries ({spec.MaxAttempts}): an earlier attempt was interrupted (daemon stopped or crashed mid-run)");
            context.SetJobParameter(JobParameters.Outcome, new RunOutcome(null, null, null, reason, []));
            throw new AttemptsExhaustedException(reason);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
    }
}
