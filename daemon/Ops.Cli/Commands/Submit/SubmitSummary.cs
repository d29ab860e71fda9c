using System.Globalization;
using System.Text;
using System.Text.Json;
using Ops.Cli.Api;
using Ops.Cli.Output;
using Spectre.Console;

namespace Ops.Cli.Commands.Submit;

/// <summary>The end of a submit: counts, and every item that did not succeed with its job, exit and reason.</summary>
public sealed class SubmitSummary
{
    private const int MaxItemWidth = 60;
    private readonly string _task;
    private readonly IReadOnlyList<JobInfo> _jobs;
    private readonly TimeSpan _elapsed;
    private readonly List<(string Item, JobInfo Job)> _notSucceeded;

    /// <summary>Pairs items and final jobs (both in the order of the items).</summary>
    public SubmitSummary(string task, IReadOnlyList<string> items, IReadOnlyList<JobInfo> jobs, TimeSpan elapsed)
    {
        _task = task;
        _jobs = jobs;
        _elapsed = elapsed;
        Counts = JobWatcher.Count(jobs.Count, jobs);
        _notSucceeded = [.. items.Zip(jobs).Where(p => p.Second.State != JobStates.Succeeded)];
    }

    /// <summary>The final counts.</summary>
    public JobCounts Counts { get; }

    /// <summary>
    /// <c>{ task, total, succeeded, failed, deleted, seconds, jobIds, failures: [{ item, jobId, state, exitCode,
    /// signal, attempt, reason, stderrTail }] }</c>, each item as the JSON it was in the file.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("task", _task);
            w.WriteNumber("total", Counts.Total);
            w.WriteNumber("succeeded", Counts.Succeeded);
            w.WriteNumber("failed", Counts.Failed);
            w.WriteNumber("deleted", Counts.Deleted);
            w.WriteNumber("seconds", Math.Round(_elapsed.TotalSeconds, 3));
            w.WriteStartArray("jobIds");
            foreach (var job in _jobs)
            {
                w.WriteStringValue(job.Id);
            }

            w.WriteEndArray();
            w.WriteStartArray("failures");
            foreach (var (item, job) in _notSucceeded)
            {
                w.WriteStartObject();
                w.WritePropertyName("item");
                w.WriteRawValue(item, skipInputValidation: true);
                w.WriteString("jobId", job.Id);
                w.WriteString("state", job.State);
                WriteNumberOrNull(w, "exitCode", job.ExitCode);
                WriteNumberOrNull(w, "signal", job.Signal);
                w.WriteNumber("attempt", job.Attempt);
                w.WriteString("reason", job.Reason);
                w.WriteStartArray("stderrTail");
                foreach (var line in job.StderrTail ?? [])
                {
                    w.WriteStringValue(line);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A line of counts, then the table of items that did not succeed.</summary>
    public void Write(Terminal terminal)
    {
        var console = terminal.Out;
        var c = Counts;
        console.Write(new Text($"{_task}: {c.Total} item(s) in {Formats.Duration(_elapsed)}: "));
        console.Write(new Text($"{c.Succeeded} succeeded", new Style(Color.Green)));
        console.Write(new Text(", "));
        console.Write(new Text($"{c.Failed} failed", c.Failed > 0 ? new Style(Color.Red, decoration: Decoration.Bold) : Style.Plain));
        console.WriteLine(c.Deleted > 0 ? $", {c.Deleted} deleted" : string.Empty);
        if (_notSucceeded.Count == 0)
        {
            return;
        }

        console.WriteLine("Items that did not succeed:");
        var table = terminal.NewTable("ITEM", "JOB", "STATE", "EXIT", "ATTEMPTS", "REASON", "LAST STDERR");
        foreach (var (item, job) in _notSucceeded)
        {
            table.AddRow(
                Styles.Plain(item.Length <= MaxItemWidth ? item : item[..MaxItemWidth] + "..."),
                Styles.Plain(job.Id),
                Styles.Styled(job.State, Styles.JobState(job.State)),
                Styles.Plain(Formats.Exit(job.ExitCode, job.Signal)),
                Styles.Plain(job.Attempt.ToString(CultureInfo.InvariantCulture)),
                Styles.Plain(job.Reason),
                Styles.Plain(job.StderrTail is { Count: > 0 } tail ? tail[^1] : null));
        }

        terminal.Write(table);
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
