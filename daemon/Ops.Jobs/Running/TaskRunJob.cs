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

    /// <summary>The method jobs stored by opsd 0.1 name; kept so those still run after an upgrade.</summary>
    [DisplayName("{0}")]
    public Task<RunOutcome> RunAsync(string task, string? argsJson, string? itemJson, PerformContext? context, CancellationToken cancellationToken) =>
        Task.FromResult(Run(task, argsJson, itemJson, context, cancellationToken));
}
