using System.ComponentModel;
using Hangfire.Server;

namespace Ops.Jobs.Running;

/// <summary>
/// The Hangfire job: one run of one configured task. A one-line adapter: arguments are primitive (the task name,
/// the caller's args and the item as JSON text) so queued jobs survive upgrades; policy lives in the filters.
/// </summary>
public sealed class TaskRunJob(TaskRunner runner)
{
    /// <summary>Runs task <paramref name="task"/> once; returns how it ended (the Succeeded state's result), throws when the run fails.</summary>
    [DisplayName("{0}")]
    public RunOutcome Run(string task, string? argsJson, string? itemJson, PerformContext? context, CancellationToken cancellationToken) =>
        runner.Run(task, argsJson, itemJson, context ?? throw new ArgumentNullException(nameof(context)), cancellationToken);

    /// <summary>The method that jobs stored by an older opsd name; kept so those still run after an upgrade.</summary>
    /// <remarks>Nothing enqueues it any more, but a PostgreSQL storage outlives the daemon: a run an older opsd left
    /// enqueued, scheduled for a retry or failed (and requeued from the console later) names this method, and Hangfire
    /// would fail it for good if the method were gone. Recurring tasks are re-registered with <see cref="Run"/> at start.</remarks>
    [DisplayName("{0}")]
    public Task<RunOutcome> RunAsync(string task, string? argsJson, string? itemJson, PerformContext? context, CancellationToken cancellationToken) =>
        Task.FromResult(Run(task, argsJson, itemJson, context, cancellationToken));
}
