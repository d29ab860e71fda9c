using System.ComponentModel;
using Hangfire.Server;

namespace Ops.Jobs.Running;

/// <summary>
/// The Hangfire job: one run of one configured task. A one-line adapter: arguments are primitive (the task name,
/// the caller's args and the item as JSON text) so queued jobs survive upgrades; policy lives in the filters.
/// </summary>
public sealed class TaskRunJob(TaskRunner runner)
{
    /// <summary>Runs task <paramref name="task"/> once; throws when the run fails.</summary>
    [DisplayName("{0}")]
    public Task RunAsync(string task, string? argsJson, string? itemJson, PerformContext? context, CancellationToken cancellationToken) =>
        runner.RunAsync(task, argsJson, itemJson, context ?? throw new ArgumentNullException(nameof(context)), cancellationToken);
}
