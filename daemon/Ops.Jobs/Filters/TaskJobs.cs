using Hangfire.Common;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>Recognises Ops task runs among Hangfire jobs and finds their spec.</summary>
internal static class TaskJobs
{
    /// <summary>The task name of a task-run job, else null.</summary>
    public static string? TaskName(Job? job) =>
        job?.Type == typeof(TaskRunJob) && job.Args.Count > 0 ? job.Args[0] as string : null;

    public static TaskSpec? Spec(TaskCatalog catalog, Job? job) =>
        TaskName(job) is { } name ? catalog.Task(name) : null;
}
