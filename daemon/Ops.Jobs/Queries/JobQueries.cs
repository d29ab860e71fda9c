using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;

namespace Ops.Jobs.Queries;

/// <summary>Reads task runs back from the storage for the API.</summary>
public sealed class JobQueries(JobStorageHost storage, TaskCatalog catalog)
{
    /// <summary>The job, or null when the storage has no such id. Throws StorageUnavailableException when down.</summary>
    public JobRecord? Get(string id)
    {
        var jobStorage = storage.Require();
        return Read(jobStorage, id, new TakenAheadSets(jobStorage).Contains);
    }

    /// <summary>
    /// Jobs by id, in the order asked; unknown ids are left out. A queue's taken-ahead set is read once for all of
    /// them, and only when one of them is Processing in that queue.
    /// </summary>
    public IReadOnlyList<JobRecord> Get(IEnumerable<string> ids)
    {
        var jobStorage = storage.Require();
        return Get(jobStorage, ids);
    }

    private static List<JobRecord> Get(JobStorage jobStorage, IEnumerable<string> ids)
    {
        var sets = new TakenAheadSets(jobStorage);
        return [.. ids.Select(id => Read(jobStorage, id, sets.Contains)).OfType<JobRecord>()];
    }

    /// <summary><paramref name="isTakenAhead"/> says whether a Processing job (queue, id) still waits at the run gate.</summary>
    private static JobRecord? Read(JobStorage jobStorage, string id, Func<string, string, bool> isTakenAhead)
    {
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
        if (state == ProcessingState.StateName && queue is not null && isTakenAhead(queue, id))
        {
            // Hangfire's Processing, but its run has not started: it waits, taken ahead by a host.
            state = EnqueuedState.StateName;
        }

        var outcome = Outcome(state, current?.Data, parameters);
        return new JobRecord(
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

    /// <summary>
    /// How many jobs of one state (for Enqueued: of one queue) <see cref="List"/> reads at most, newest first, looking
    /// for runs of the task asked for: a task whose newest runs lie deeper than this answers fewer than its limit.
    /// </summary>
    public const int MaxScanned = 10_000;

    /// <summary>Jobs read from the storage per round trip while looking for matches.</summary>
    private const int PageSize = 500;

    /// <summary>
    /// The newest <paramref name="limit"/> task runs in <paramref name="state"/> (Hangfire's state names), optionally
    /// of one task, newest first. The filter comes before the limit: the storage is paged through until
    /// <paramref name="limit"/> runs match or <see cref="MaxScanned"/> jobs were read.
    /// </summary>
    public IReadOnlyList<JobRecord> List(string state, string? task, int limit)
    {
        var jobStorage = storage.Require();
        var api = jobStorage.GetMonitoringApi();
        // A taken-ahead job is Processing to Hangfire but waits: it is listed as Enqueued (as no wanted job here, so
        // that the page still counts it as read).
        var takenAhead = new Lazy<HashSet<string>>(() => TakenAheadIds(jobStorage, _ => true));
        bool Wanted(Job? job) => TaskJobs.TaskName(job) is { } name && (task is null || name == task);
        IEnumerable<string> ids = state switch
        {
            "Succeeded" => Newest((from, count) => api.SucceededJobs(from, count).Select(j => (j.Key, j.Value?.Job)), Wanted, limit),
            "Failed" => Newest((from, count) => api.FailedJobs(from, count).Select(j => (j.Key, j.Value?.Job)), Wanted, limit),
            "Processing" => Newest((from, count) => api.ProcessingJobs(from, count).Select(j => (j.Key, takenAhead.Value.Contains(j.Key) ? null : j.Value?.Job)), Wanted, limit),
            "Scheduled" => Newest((from, count) => api.ScheduledJobs(from, count).Select(j => (j.Key, j.Value?.Job)), Wanted, limit),
            "Deleted" => Newest((from, count) => api.DeletedJobs(from, count).Select(j => (j.Key, j.Value?.Job)), Wanted, limit),
            "Enqueued" => NewestEnqueued(api, Wanted, limit).Concat(TakenAheadOf(jobStorage, task, takenAhead)).Take(limit),
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a job state"),
        };
        return Get(jobStorage, ids);
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

    /// <summary>The first <paramref name="limit"/> wanted ids of a newest-first list, read page by page.</summary>
    private static List<string> Newest(Func<int, int, IEnumerable<(string Id, Job? Job)>> page, Func<Job?, bool> wanted, int limit)
    {
        var found = new List<string>(limit);
        for (int from = 0; from < MaxScanned && found.Count < limit; from += PageSize)
        {
            int count = Math.Min(PageSize, MaxScanned - from);
            int read = 0;
            foreach (var (id, job) in page(from, count))
            {
                read++;
                if (found.Count < limit && wanted(job))
                {
                    found.Add(id);
                }
            }

            if (read < count)
            {
                break;
            }
        }

        return found;
    }

    /// <summary>
    /// Enqueued jobs wait in several queues, each listed oldest first: the newest <see cref="MaxScanned"/> of each
    /// queue are read from its end, and the wanted ones of all queues merged by the time they were enqueued.
    /// </summary>
    private static IEnumerable<string> NewestEnqueued(IMonitoringApi api, Func<Job?, bool> wanted, int limit)
    {
        var found = new List<(string Id, DateTime At)>();
        foreach (var queue in api.Queues())
        {
            long length = api.EnqueuedCount(queue.Name);
            int matched = 0;
            for (long end = length; end > Math.Max(0, length - MaxScanned) && matched < limit; end -= PageSize)
            {
                long from = Math.Max(Math.Max(0, length - MaxScanned), end - PageSize);
                var page = api.EnqueuedJobs(queue.Name, (int)from, (int)(end - from))
                    .Where(j => wanted(j.Value?.Job))
                    .Select(j => (j.Key, j.Value?.EnqueuedAt ?? DateTime.MinValue))
                    .ToList();
                matched += page.Count;

                // Newest first within the queue, so that jobs enqueued at the same instant stay newest first below.
                page.Reverse();
                found.AddRange(page);
            }
        }

        return found.OrderByDescending(j => j.At).Select(j => j.Id).Take(limit);
    }

    /// <summary>Taken-ahead jobs of the queues <paramref name="which"/> picks (a few per host): Hangfire lists them among Processing.</summary>
    private HashSet<string> TakenAheadIds(JobStorage jobStorage, Func<QueueSpec, bool> which)
    {
        using var connection = jobStorage.GetConnection();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queue in catalog.Queues.Where(which))
        {
            ids.UnionWith(TakenAhead.Ids(connection, queue.Name));
        }

        return ids;
    }

    /// <summary>
    /// Taken-ahead runs, after the queued ones: they left their queue before any job still in it. Oldest first would
    /// need their times; the few a host takes ahead are listed in id order.
    /// </summary>
    private IEnumerable<string> TakenAheadOf(JobStorage jobStorage, string? task, Lazy<HashSet<string>> takenAhead)
    {
        if (task is null)
        {
            return takenAhead.Value.Order(StringComparer.Ordinal);
        }

        var queue = catalog.Task(task)?.Queue;
        using var connection = jobStorage.GetConnection();
        return [.. TakenAheadIds(jobStorage, q => q.Name == queue).Where(id => TaskJobs.TaskName(connection.GetJobData(id)?.Job) == task).Order(StringComparer.Ordinal)];
    }

    /// <summary>The taken-ahead set of each queue asked about, read from the storage once.</summary>
    private sealed class TakenAheadSets(JobStorage jobStorage)
    {
        private readonly Dictionary<string, HashSet<string>> _read = new(StringComparer.Ordinal);

        public bool Contains(string queue, string id)
        {
            if (!_read.TryGetValue(queue, out var ids))
            {
                using var connection = jobStorage.GetConnection();
                _read[queue] = ids = TakenAhead.Ids(connection, queue);
            }

            return ids.Contains(id);
        }
    }

    private static int? Int(IDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var json) && json is not null && json != "null" ? JsonSerializer.Deserialize<int?>(json) : null;
}
