using System.Globalization;
using System.Text;
using Ops.Daemon.Configuration;
using Ops.Jobs.Metrics;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;
using Ops.Supervision;

namespace Ops.Daemon.Api;

/// <summary>GET /metrics: Prometheus text format (version 0.0.4), written by hand: a few families, no dependencies.</summary>
public static class MetricsEndpoint
{
    /// <summary>Maps /metrics.</summary>
    public static void MapMetricsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", (ISupervisor supervisor, TaskMetrics tasks, TaskCatalog catalog, JobStorageHost storage, OpsSettings settings) =>
            Results.Text(Render(supervisor, tasks, catalog, storage, settings.HostName), "text/plain; version=0.0.4; charset=utf-8"));

    internal static string Render(ISupervisor supervisor, TaskMetrics tasks, TaskCatalog catalog, JobStorageHost storage, string host)
    {
        var text = new StringBuilder();
        var instances = supervisor.Snapshot();

        Family(text, "ops_program_state", "gauge", "1 for the state each program instance is in.");
        foreach (var i in instances)
        {
            foreach (var state in Enum.GetValues<InstanceState>())
            {
                Sample(text, "ops_program_state", Labels(("program", i.Program), ("instance", Int(i.Index)), ("state", state.ToString())), i.State == state ? 1 : 0);
            }
        }

        Family(text, "ops_program_restarts_total", "counter", "Automatic restarts of each program instance since opsd started.");
        foreach (var i in instances)
        {
            Sample(text, "ops_program_restarts_total", Labels(("program", i.Program), ("instance", Int(i.Index))), i.Restarts);
        }

        Family(text, "ops_programs", "gauge", "Program instances per state on this host.");
        foreach (var state in Enum.GetValues<InstanceState>())
        {
            Sample(text, "ops_programs", Labels(("state", state.ToString())), instances.Count(i => i.State == state));
        }

        Family(text, "ops_task_runs_total", "counter", "Task runs by outcome: succeeded, retried (an attempt failed, another follows), failed (after the last attempt).");
        foreach (var (task, outcome, count) in tasks.Runs().OrderBy(r => r.Task, StringComparer.Ordinal).ThenBy(r => r.Outcome, StringComparer.Ordinal))
        {
            Sample(text, "ops_task_runs_total", Labels(("task", task), ("outcome", outcome)), count);
        }

        Family(text, "ops_task_run_duration_seconds", "histogram", "Duration of task run attempts on this host.");
        foreach (var (task, histogram) in tasks.Durations().OrderBy(d => d.Task, StringComparer.Ordinal))
        {
            var cumulative = histogram.Cumulative();
            for (var b = 0; b < TaskMetrics.Buckets.Length; b++)
            {
                Sample(text, "ops_task_run_duration_seconds_bucket", Labels(("task", task), ("le", TaskMetrics.Buckets[b].ToString(CultureInfo.InvariantCulture))), cumulative[b]);
            }

            Sample(text, "ops_task_run_duration_seconds_bucket", Labels(("task", task), ("le", "+Inf")), cumulative[^1]);
            Sample(text, "ops_task_run_duration_seconds_sum", Labels(("task", task)), histogram.SumSeconds);
            Sample(text, "ops_task_run_duration_seconds_count", Labels(("task", task)), cumulative[^1]);
        }

        Family(text, "ops_storage_up", "gauge", "1 while the task storage answers.");
        Sample(text, "ops_storage_up", Labels(("host", host)), storage.IsUp ? 1 : 0);

        Family(text, "ops_queue_capacity", "gauge", "Most jobs a queue may hold waiting.");
        foreach (var queue in catalog.Queues)
        {
            Sample(text, "ops_queue_capacity", Labels(("queue", queue.Name)), queue.Capacity);
        }

        if (storage.IsUp)
        {
            try
            {
                var monitoring = storage.Require().GetMonitoringApi();
                Family(text, "ops_queue_length", "gauge", "Jobs waiting in each queue.");
                foreach (var queue in catalog.Queues)
                {
                    Sample(text, "ops_queue_length", Labels(("queue", queue.Name)), monitoring.EnqueuedCount(queue.Name));
                }
            }
            catch (Exception ex) when (ex is StorageUnavailableException or InvalidOperationException or System.Data.Common.DbException)
            {
                // The storage just went away: the lengths are left out, ops_storage_up tells why on the next scrape.
            }
        }

        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Labels(params (string Name, string Value)[] labels) =>
        "{" + string.Join(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")) + "}";

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
