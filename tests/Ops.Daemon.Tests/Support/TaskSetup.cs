using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Support;

/// <summary>Task configs and task API calls for tests that run the same scenario on both storages.</summary>
internal static class TaskSetup
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The Ops sections for <paramref name="storage"/> ("InMemory" or "PostgreSql", a fresh database), queues and tasks.</summary>
    public static JsonObject Ops(string storage, JsonObject tasks, JsonObject? queues = null, string? invisibilityTimeout = null)
    {
        var storageSection = new JsonObject { ["Provider"] = storage };
        if (storage == "PostgreSql")
        {
            storageSection["ConnectionString"] = PostgresServer.Instance.CreateDatabase();
            storageSection["PollInterval"] = "100ms";
            if (invisibilityTimeout is not null)
            {
                storageSection["InvisibilityTimeout"] = invisibilityTimeout;
            }
        }

        return new JsonObject { ["Storage"] = storageSection, ["Tasks"] = tasks, ["Queues"] = queues ?? [] };
    }

    /// <summary>A task running ops-testworker with <paramref name="args"/>.</summary>
    public static JsonObject WorkerTask(string[] args, JsonObject? settings = null)
    {
        var argv = new JsonArray(Tools.TestWorker);
        foreach (var arg in args)
        {
            argv.Add(arg);
        }

        var task = new JsonObject { ["Command"] = Tools.Dotnet, ["Args"] = argv, ["StopTimeout"] = "1s" };
        foreach (var (key, value) in settings ?? [])
        {
            task[key] = value?.DeepClone();
        }

        return task;
    }

    /// <summary>A task running <c>/bin/sh -c <paramref name="script"/></c>.</summary>
    public static JsonObject ShellTask(string script, JsonObject? settings = null)
    {
        var task = new JsonObject { ["Command"] = "/bin/sh", ["Args"] = new JsonArray("-c", script), ["StopTimeout"] = "1s" };
        foreach (var (key, value) in settings ?? [])
        {
            task[key] = value?.DeepClone();
        }

        return task;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SubmitAsync(this Opsd opsd, string task, string? body = null)
    {
        using var content = new StringContent(body ?? string.Empty, Encoding.UTF8, "application/json");
        using var response = await opsd.Http.PostAsync($"/api/v1/tasks/{task}/runs", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<List<string>> SubmitOkAsync(this Opsd opsd, string task, string? body = null)
    {
        var (status, json) = await opsd.SubmitAsync(task, body);
        Assert.True(status == HttpStatusCode.Accepted, $"POST runs of {task}: {status} {json}\n{opsd.Output}");
        return [.. json.GetProperty("jobIds").EnumerateArray().Select(j => j.GetString()!)];
    }

    public static async Task<JobView> JobAsync(this Opsd opsd, string id) =>
        (await opsd.Http.GetFromJsonAsync<JobView>($"/api/v1/jobs/{id}", Json))!;

    /// <summary>The job list for <paramref name="query"/> (task=, state=, ids=, limit=).</summary>
    public static async Task<List<JobView>> JobsAsync(this Opsd opsd, string query) =>
        (await opsd.Http.GetFromJsonAsync<List<JobView>>($"/api/v1/jobs?{query}", Json))!;

    public static async Task<JobView> WaitJobAsync(this Opsd opsd, string id, Func<JobView, bool> predicate, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JobView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await opsd.JobAsync(id);
            if (predicate(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"job {id} did not become {what} within {timeout}: {JsonSerializer.Serialize(last)}\n{opsd.Output}");
    }

    /// <summary>Jobs in <paramref name="queue"/> itself, not taken by any host (ops_queue_length).</summary>
    public static async Task<int> QueueLengthAsync(this Opsd opsd, string queue)
    {
        var prefix = $"ops_queue_length{{queue=\"{queue}\"}} ";
        var line = (await opsd.Http.GetStringAsync("/metrics")).Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? -1 : int.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static Task<JobView> WaitJobStateAsync(this Opsd opsd, string id, string state, TimeSpan timeout) =>
        opsd.WaitJobAsync(id, j => j.State == state, timeout, state);
}

internal sealed record JobView(string Id, string? Task, string State, int Attempt, int? ExitCode, int? Signal, string? Host, string? Queue, DateTime CreatedAt, DateTime? FinishedAt, string? Reason, List<string> StderrTail);
