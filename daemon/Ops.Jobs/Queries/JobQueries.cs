using System.Text.Json;
using Hangfire.Common;
using Hangfire.States;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Storage;

namespace Ops.Jobs.Queries;

/// <summary>Reads task runs back from the storage for the API.</summary>
public sealed class JobQueries(JobStorageHost storage)
{
    /// <summary>The job, or null when the storage has no such id. Throws StorageUnavailableException when down.</summary>
    public JobView? Get(string id)
    {
        var jobStorage = storage.Require();
        var details = jobStorage.GetMonitoringApi().JobDetails(id);
        if (details is null)
        {
            return null;
        }

        var parameters = details.Properties ?? new Dictionary<string, string>();
        var history = details.History ?? [];
        var current = history.FirstOrDefault();
        var state = current?.StateName ?? "Unknown";
        var finished = state == SucceededState.StateName || state == FailedState.StateName || state == DeletedState.StateName ? current?.CreatedAt : null;
        var queue = history.Select(h => h.Data is not null && h.Data.TryGetValue("Queue", out var q) ? q : null).FirstOrDefault(q => q is not null);

        var outcome = Outcome(state, current?.Data, parameters);
        return new JobView(
            id,
            TaskJobs.TaskName(details.Job),
            state,
            Int(parameters, JobParameters.Attempt) ?? 0,
            outcome?.ExitCode,
            outcome?.Signal,
            outcome?.Host,
            queue,
            details.CreatedAt ?? DateTime.MinValue,
            finished,
            outcome?.Failure ?? current?.Reason,
            outcome?.StderrTail ?? []);
    }

    /// <summary>Jobs by id, in the order asked; unknown ids are left out.</summary>
    public IReadOnlyList<JobView> Get(IEnumerable<string> ids) => [.. ids.Select(Get).OfType<JobView>()];

    /// <summary>The newest <paramref name="limit"/> task runs in <paramref name="state"/> (Hangfire's state names), optionally of one task.</summary>
    public IReadOnlyList<JobView> List(string state, string? task, int limit)
    {
        var monitoring = storage.Require().GetMonitoringApi();
        IEnumerable<string> ids = state switch
        {
            "Succeeded" => monitoring.SucceededJobs(0, limit).Select(j => j.Key),
            "Failed" => monitoring.FailedJobs(0, limit).Select(j => j.Key),
            "Processing" => monitoring.ProcessingJobs(0, limit).Select(j => j.Key),
            "Scheduled" => monitoring.ScheduledJobs(0, limit).Select(j => j.Key),
            "Deleted" => monitoring.DeletedJobs(0, limit).Select(j => j.Key),
            "Enqueued" => monitoring.Queues().SelectMany(q => monitoring.EnqueuedJobs(q.Name, 0, limit).Select(j => j.Key)),
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a job state"),
        };
        return [.. Get(ids.Take(limit)).Where(j => j.Task is not null && (task is null || j.Task == task))];
    }

    /// <summary>The states <see cref="List"/> accepts.</summary>
    public static IReadOnlyList<string> States { get; } = ["Enqueued", "Scheduled", "Processing", "Succeeded", "Failed", "Deleted"];

    /// <summary>
    /// A succeeded run's outcome is the Succeeded state's result (written with the state change); a failed one's is
    /// the OpsOutcome parameter, which also still holds an earlier failed attempt's when a retry later succeeded.
    /// </summary>
    private static RunOutcome? Outcome(string state, IDictionary<string, string>? stateData, IDictionary<string, string> parameters)
    {
        if (state == SucceededState.StateName && stateData is not null && stateData.TryGetValue("Result", out var result) && result is not null)
        {
            try
            {
                return SerializationHelper.Deserialize<RunOutcome>(result, SerializationOption.User);
            }
            catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException)
            {
                // A job from before outcomes were results (or not a task run): fall back to the parameter.
            }
        }

        return parameters.TryGetValue(JobParameters.Outcome, out var json) && json is not null
            ? SerializationHelper.Deserialize<RunOutcome>(json)
            : null;
    }

    private static int? Int(IDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var json) && json is not null && json != "null" ? JsonSerializer.Deserialize<int?>(json) : null;
}
