using Hangfire.Client;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// A recurring run that finds its queue full is skipped with a Warning, not piled up: capacity is never passed.
/// Waiting counts what hosts took ahead too (<see cref="TakenAhead"/>). (Runs requested through the API are
/// checked, all or nothing, by the submitter.)
/// </summary>
public sealed partial class RecurringCapacityFilter(TaskCatalog catalog, ILogger<RecurringCapacityFilter> logger) : IClientFilter
{
    public void OnCreating(CreatingContext context)
    {
        if (!context.Parameters.TryGetValue("RecurringJobId", out var recurring) || TaskJobs.Spec(catalog, context.Job) is not { } spec)
        {
            return;
        }

        var queue = catalog.Queue(spec.Queue);
        var length = TakenAhead.Waiting(context.Storage.GetMonitoringApi(), context.Connection, queue.Name);
        if (length >= queue.Capacity)
        {
            context.Canceled = true;
            LogSkipped(spec.Name, recurring?.ToString() ?? spec.Name, queue.Name, length, queue.Capacity);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Queue {Queue} at capacity ({Length}/{Capacity}): recurring run of task {Task} ({RecurringJobId}) skipped")]
    private partial void LogSkipped(string task, string recurringJobId, string queue, long length, int capacity);
}
