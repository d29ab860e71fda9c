using System.Net;
using System.Net.Http.Json;

namespace Ops.Benchmarks.Supervisors;

/// <summary>
/// One queue and one task for a generated opsd config, and where its jobs live: InMemory when
/// <paramref name="PostgresConnectionString"/> is null, else PostgreSql polled every <paramref name="PollInterval"/>.
/// </summary>
internal sealed record OpsdTaskSetup(
    string Task,
    string Command,
    string Queue,
    int Workers,
    int Capacity,
    string? PostgresConnectionString = null,
    string PollInterval = "100ms")
{
    /// <summary>Ops:Storage; null (left out) for InMemory, the default.</summary>
    public object? StorageSection() => PostgresConnectionString is null
        ? null
        : new { Provider = "PostgreSql", ConnectionString = PostgresConnectionString, PollInterval };

    public object QueuesSection() => new Dictionary<string, object> { [Queue] = new { Workers, Capacity } };

    /// <summary>The task never fails here; Retries 0 keeps a surprise failure from hiding behind retry delays.</summary>
    public object TasksSection() => new Dictionary<string, object> { [Task] = new { Command, Queue, Retries = 0 } };
}

/// <summary>One entry of GET /api/v1/jobs?ids=..., as far as the benchmarks read it.</summary>
internal sealed record OpsdJob(string Id, string State, DateTime CreatedAt, DateTime? FinishedAt, string? Reason)
{
    /// <summary>Succeeded, Failed or Deleted: the job will not change any more.</summary>
    public bool IsFinished => State is "Succeeded" or "Failed" or "Deleted";

    /// <summary>Hangfire keeps UTC; PostgreSql hands it back without a kind, and then it is UTC all the same.</summary>
    public static DateTime AsUtc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
}

/// <summary>The task endpoints: readiness, submitting runs, reading jobs back.</summary>
internal sealed partial class Opsd
{
    /// <summary>Most ids GET /api/v1/jobs takes in one request.</summary>
    public const int MaxIdsPerRequest = 500;

    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until /readyz answers 200 (the task storage answers); throws with opsd's last output after <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = Bounded(timeout, cancellationToken);
        var last = "its API never answered";
        try
        {
            while (true)
            {
                Process.ThrowIfExited();
                try
                {
                    using var limit = Bounded(RequestTimeout, deadline.Token);
                    using var response = await _http.GetAsync("readyz", limit.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }

                    last = $"/readyz answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(limit.Token)}";
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(ReadyPoll, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"opsd: not ready within {timeout.TotalSeconds:0.#} s ({last}); its last output:{Environment.NewLine}{Process.Tail()}");
        }
    }

    /// <summary>POST /api/v1/tasks/{task}/runs with one run per item; returns the job ids, or throws with opsd's answer.</summary>
    public async Task<IReadOnlyList<string>> SubmitRunsAsync(string task, IReadOnlyList<int> items, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = Bounded(timeout, cancellationToken);
        using var response = await _http.PostAsJsonAsync($"api/v1/tasks/{task}/runs", new { items }, ApiJson, limit.Token);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"opsd refused {items.Count} runs of task '{task}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(limit.Token)}");
        }

        var accepted = await response.Content.ReadFromJsonAsync<SubmitAnswer>(ApiJson, limit.Token);
        return accepted?.JobIds is { } ids && ids.Count == items.Count
            ? ids
            : throw new InvalidOperationException($"opsd accepted {items.Count} runs of task '{task}' but answered {accepted?.JobIds?.Count ?? 0} job ids");
    }

    /// <summary>GET /api/v1/jobs?ids=... for at most <see cref="MaxIdsPerRequest"/> ids; unknown ids are left out.</summary>
    public async Task<IReadOnlyList<OpsdJob>> GetJobsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count > MaxIdsPerRequest)
        {
            throw new ArgumentException($"at most {MaxIdsPerRequest} ids per request, got {ids.Count}", nameof(ids));
        }

        using var limit = Bounded(RequestTimeout, cancellationToken);
        return await _http.GetFromJsonAsync<List<OpsdJob>>($"api/v1/jobs?ids={string.Join(',', ids)}", ApiJson, limit.Token) ?? [];
    }

    private sealed record SubmitAnswer(List<string>? JobIds);
}
