using System.CommandLine;
using System.Text;
using System.Text.Json;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Spectre.Console;

namespace Ops.Cli.Commands.Submit;

/// <summary>
/// <c>opsctl submit TASK --items FILE</c>: the parallel map. All items go to opsd in one request (all or
/// nothing: a queue at capacity refuses the whole batch), one job each; then opsctl follows the jobs with a
/// progress bar until each has finished, and ends with the counts and a table of the items that failed.
/// Exit 1 when any item failed or was deleted.
/// </summary>
public static class SubmitCommand
{
    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var task = new Argument<string>("TASK") { Description = "A task configured under Ops:Tasks" };
        var items = new Option<string>("--items")
        {
            Description = "A JSON array of items, or one JSON value per line; '-' reads stdin. Each item is one job, given the item on stdin and in OPS_ITEM",
            HelpName = "FILE",
            Required = true,
        };
        var command = new Command("submit", "Run a task once per item and wait for every run, with progress and a summary of the failures");
        command.Arguments.Add(task);
        command.Options.Add(items);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => RunAsync(session, result.GetRequiredValue(task), result.GetRequiredValue(items), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, string task, string itemsPath, CancellationToken ct)
    {
        var items = ItemsFile.Read(itemsPath);
        var started = TimeProvider.System.GetTimestamp();
        var answer = await session.Client.PostAsync(ApiPaths.Runs(task), RunRequest(items), ct);
        var ids = answer.Read(ApiJson.Default.RunAccepted).JobIds;
        if (ids.Count != items.Count)
        {
            throw new UnexpectedAnswerException(answer.Status, $"{ids.Count} job ids for {items.Count} items");
        }

        IReadOnlyList<JobInfo> jobs;
        try
        {
            jobs = await WatchAsync(session, task, ids, ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OpsdUnreachableException or OpsdRefusedException)
        {
            session.Terminal.Warn($"Stopped waiting. The {ids.Count} jobs of {task} run on regardless: see 'opsctl jobs --task {task} --state Failed' or 'opsctl job ID'.");
            throw;
        }

        var summary = new SubmitSummary(task, items, jobs, TimeProvider.System.GetElapsedTime(started));
        if (session.Json)
        {
            session.Terminal.WriteJson(summary.ToJson());
        }
        else
        {
            summary.Write(session.Terminal);
        }

        return summary.Counts.NotSucceeded > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary><c>{"items":[...]}</c> with each item's JSON as read from the file.</summary>
    private static string RunRequest(IReadOnlyList<string> items)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(item, skipInputValidation: true); // validated when the file was read
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Waits for the jobs: a live bar on a terminal's stderr, a line per change on a redirected one, silence with --json.</summary>
    private static Task<IReadOnlyList<JobInfo>> WatchAsync(Session session, string task, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var watcher = new JobWatcher(session.Client, TimeProvider.System);
        var terminal = session.Terminal;
        if (terminal.Json)
        {
            return watcher.WaitAsync(ids, _ => { }, message => { if (message is not null) { terminal.Warn(message); } }, ct);
        }

        if (!terminal.CanShowProgress)
        {
            return watcher.WaitAsync(ids, counts => terminal.Err.WriteLine($"{task}: {Describe(counts)}"), message => { if (message is not null) { terminal.Warn(message); } }, ct);
        }

        return terminal.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(Markup(new JobCounts(ids.Count, 0, 0, 0), null), maxValue: ids.Count);
                var counts = new JobCounts(ids.Count, 0, 0, 0);
                string? problem = null;
                var result = await watcher.WaitAsync(
                    ids,
                    c =>
                    {
                        counts = c;
                        bar.Value = c.Done;
                        bar.Description = Markup(c, problem);
                    },
                    message =>
                    {
                        // Writing to the console under a live display would tear it: the bar carries the message.
                        problem = message;
                        bar.Description = Markup(counts, problem);
                    },
                    ct);
                bar.StopTask();
                return result;
            });
    }

    private static string Describe(JobCounts c) =>
        $"{c.Done}/{c.Total} done: {c.Succeeded} succeeded, {c.Failed} failed" + (c.Deleted > 0 ? $", {c.Deleted} deleted" : string.Empty);

    private static string Markup(JobCounts c, string? problem) =>
        $"[green]{c.Succeeded} succeeded[/], [red]{c.Failed} failed[/]" + (c.Deleted > 0 ? $", [grey]{c.Deleted} deleted[/]" : string.Empty) + $" of {c.Total}"
        + (problem is null ? string.Empty : $" [yellow]{Spectre.Console.Markup.Escape(problem)}[/]");
}
