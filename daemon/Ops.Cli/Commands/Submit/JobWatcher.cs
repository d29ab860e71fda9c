using Ops.Cli.Api;

namespace Ops.Cli.Commands.Submit;

/// <summary>
/// Polls GET /api/v1/jobs?ids=... until every job is Succeeded, Failed or Deleted. Only unfinished jobs are asked
/// for, at most 500 ids per request (opsd's limit). The interval starts short and grows while nothing changes,
/// and is never shorter than the last poll took, so that a batch of 100,000 jobs does not keep opsd busy. A
/// daemon that is briefly unreachable or whose storage is down (503) is waited for, not given up on at once.
/// </summary>
public sealed class JobWatcher(OpsClient client, TimeProvider time)
{
    /// <summary>opsd's limit of ids per request.</summary>
    public const int MaxIdsPerRequest = 500;

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(3);
    private const double IntervalGrowth = 1.5;

    /// <summary>How long polling may fail in a row before opsctl gives up (the jobs keep running regardless).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    /// <summary>Waits for <paramref name="ids"/> to finish; returns each job's final view, in the order of the ids.</summary>
    /// <param name="ids">The jobs, in the order of the items.</param>
    /// <param name="progress">Called after every poll that changed the counts.</param>
    /// <param name="trouble">Called with a message while polling fails and is retried; null once it works again.</param>
    /// <param name="ct">Ctrl+C.</param>
    public async Task<IReadOnlyList<JobInfo>> WaitAsync(IReadOnlyList<string> ids, Action<JobCounts> progress, Action<string?> trouble, CancellationToken ct)
    {
        var finished = new Dictionary<string, JobInfo>(ids.Count);
        var pending = ids.Distinct().ToList();
        var interval = MinInterval;
        var first = true;
        long? failingSince = null;
        while (pending.Count > 0)
        {
            List<JobInfo> views;
            var polled = time.GetTimestamp();
            try
            {
                views = await FetchAsync(pending, ct);
                if (failingSince is not null)
                {
                    failingSince = null;
                    trouble(null);
                }
            }
            catch (Exception ex) when (ex is OpsdUnreachableException or OpsdRefusedException { Answer.Status: >= 500 })
            {
                failingSince ??= time.GetTimestamp();
                if (time.GetElapsedTime(failingSince.Value) > Patience)
                {
                    throw;
                }

                trouble($"{ex.Message} (retrying)");
                await Task.Delay(MaxInterval, time, ct);
                continue;
            }

            var byId = views.ToDictionary(j => j.Id, StringComparer.Ordinal);
            var before = finished.Count;
            foreach (var id in pending)
            {
                if (!byId.TryGetValue(id, out var job))
                {
                    // opsd leaves out ids it does not know: the job expired or was purged from the storage.
                    finished[id] = Missing(id);
                }
                else if (job.IsFinished)
                {
                    finished[id] = job;
                }
            }

            pending.RemoveAll(finished.ContainsKey);
            if (finished.Count != before || first)
            {
                progress(Count(ids.Count, finished.Values));
                interval = MinInterval;
                first = false;
            }
            else
            {
                interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * IntervalGrowth), MaxInterval.Ticks));
            }

            if (pending.Count > 0)
            {
                var took = time.GetElapsedTime(polled);
                await Task.Delay(took > interval ? took : interval, time, ct);
            }
        }

        return [.. ids.Select(id => finished[id])];
    }

    /// <summary>The counts over final job views.</summary>
    public static JobCounts Count(int total, IEnumerable<JobInfo> finished)
    {
        int succeeded = 0, failed = 0, deleted = 0;
        foreach (var job in finished)
        {
            switch (job.State)
            {
                case JobStates.Succeeded: succeeded++; break;
                case JobStates.Failed: failed++; break;
                default: deleted++; break;
            }
        }

        return new JobCounts(total, succeeded, failed, deleted);
    }

    private async Task<List<JobInfo>> FetchAsync(List<string> pending, CancellationToken ct)
    {
        var views = new List<JobInfo>(pending.Count);
        foreach (var chunk in Chunks(pending))
        {
            var answer = await client.GetAsync(ApiPaths.Jobs(chunk), ct);
            views.AddRange(answer.Read(ApiJson.Default.ListJobInfo));
        }

        return views;
    }

    /// <summary>
    /// Groups of at most 500 ids whose query also stays short: Kestrel refuses a request line over 8 KB, and
    /// storages whose ids are GUIDs would pass that long before 500.
    /// </summary>
    public static IEnumerable<List<string>> Chunks(IReadOnlyList<string> ids)
    {
        const int MaxQueryChars = 6000;
        var chunk = new List<string>();
        var chars = 0;
        foreach (var id in ids)
        {
            var length = Uri.EscapeDataString(id).Length + 1;
            if (chunk.Count > 0 && (chunk.Count == MaxIdsPerRequest || chars + length > MaxQueryChars))
            {
                yield return chunk;
                (chunk, chars) = ([], 0);
            }

            chunk.Add(id);
            chars += length;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static JobInfo Missing(string id) =>
        new(id, null, JobStates.Deleted, 0, null, null, null, null, default, null, "no longer in the task storage (expired or purged)", []);
}
