using System.Text.Json;
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

        return new JobView(
            id,
            TaskJobs.TaskName(details.Job),
            state,
            Int(parameters, JobParameters.Attempt) ?? 0,
            Int(parameters, JobParameters.ExitCode),
            Int(parameters, JobParameters.Signal),
            Text(parameters, JobParameters.Host),
            queue,
            details.CreatedAt ?? DateTime.MinValue,
            finished,
            Text(parameters, JobParameters.Failure) ?? current?.Reason,
            Text(parameters, JobParameters.StderrTail) is { Length: > 0 } tail ? tail.Split('\n') : []);
    }

    private static string? Text(IDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var json) && json is not null ? JsonSerializer.Deserialize<string>(json) : null;

    private static int? Int(IDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var json) && json is not null && json != "null" ? JsonSerializer.Deserialize<int?>(json) : null;
}
