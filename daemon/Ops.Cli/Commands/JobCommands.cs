using System.CommandLine;
using System.Globalization;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Ops.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ops.Cli.Commands;

/// <summary><c>opsctl job ID</c> and <c>opsctl jobs [--state S] [--task T] [--limit N]</c>: task runs in the storage.</summary>
public static class JobCommands
{
    /// <summary>opsd's most jobs per answer.</summary>
    private const int MaxLimit = 500;

    private static readonly string[] States = ["Enqueued", "Scheduled", "Processing", "Succeeded", "Failed", "Deleted"];

    /// <summary><c>job ID</c>.</summary>
    public static Command CreateJob(GlobalOptions global)
    {
        var id = new Argument<string>("ID") { Description = "A job id, as run and submit print them" };
        var command = new Command("job", "Show one task run: state, attempts, exit, reason and its last stderr lines");
        command.Arguments.Add(id);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => ShowJobAsync(session, result.GetRequiredValue(id), ct)));
        return command;
    }

    /// <summary><c>jobs</c>.</summary>
    public static Command CreateJobs(GlobalOptions global)
    {
        var state = new Option<string>("--state")
        {
            Description = $"Jobs in this state: {string.Join(", ", States)}",
            DefaultValueFactory = _ => JobStates.Failed,
            HelpName = "S",
        };
        state.Validators.Add(r =>
        {
            if (Canonical(r.GetValueOrDefault<string>()) is null)
            {
                r.AddError($"--state must be one of {string.Join(", ", States)}");
            }
        });
        var task = new Option<string?>("--task") { Description = "Only runs of this task", HelpName = "T" };
        var limit = new Option<int?>("--limit")
        {
            Description = $"At most this many, newest first (opsd's default: 100, at most {MaxLimit})",
            CustomParser = Values.Int("--limit", 1, MaxLimit),
            HelpName = "N",
        };
        var command = new Command("jobs", "List task runs by state (Failed unless --state says otherwise)");
        command.Options.Add(state);
        command.Options.Add(task);
        command.Options.Add(limit);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session =>
            ListJobsAsync(session, Canonical(result.GetRequiredValue(state))!, result.GetValue(task), result.GetValue(limit), ct)));
        return command;
    }

    /// <summary>The state name as opsd spells it, whatever the case typed; null when it is none.</summary>
    private static string? Canonical(string? state) => States.FirstOrDefault(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase));

    private static async Task<int> ShowJobAsync(Session session, string id, CancellationToken ct)
    {
        var answer = await session.Client.GetAsync(ApiPaths.Job(id), ct);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        var job = answer.Read(ApiJson.Default.JobInfo);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string label, IRenderable value) => grid.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), value);
        Row("job", Styles.Plain(job.Id));
        Row("task", Styles.Plain(job.Task));
        Row("state", Styles.Styled(job.State, Styles.JobState(job.State)));
        Row("attempt", Styles.Plain(job.Attempt.ToString(CultureInfo.InvariantCulture)));
        Row("exit", Styles.Plain(Formats.Exit(job.ExitCode, job.Signal)));
        Row("host", Styles.Plain(job.Host));
        Row("queue", Styles.Plain(job.Queue));
        Row("created", Styles.Plain(Formats.StorageTime(job.CreatedAt)));
        Row("finished", Styles.Plain(Formats.StorageTime(job.FinishedAt)));
        Row("reason", Styles.Plain(job.Reason));
        session.Terminal.Write(grid);
        if (job.StderrTail is { Count: > 0 } stderr)
        {
            session.Terminal.Out.WriteLine("last stderr lines:");
            foreach (var line in stderr)
            {
                session.Terminal.Out.Write(new Text($"  {line}{Environment.NewLine}", new Style(Color.Red)));
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> ListJobsAsync(Session session, string state, string? task, int? limit, CancellationToken ct)
    {
        var answer = await session.Client.GetAsync(ApiPaths.Jobs(state, task, limit), ct);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        var jobs = answer.Read(ApiJson.Default.ListJobInfo);
        if (jobs.Count == 0)
        {
            session.Terminal.Out.WriteLine($"No {state} jobs" + (task is null ? "." : $" of task {task}."));
            return ExitCodes.Ok;
        }

        var table = session.Terminal.NewTable("JOB", "TASK", "STATE", "ATTEMPT", "EXIT", "HOST", "CREATED", "FINISHED", "REASON");
        foreach (var job in jobs)
        {
            table.AddRow(
                Styles.Plain(job.Id),
                Styles.Plain(job.Task),
                Styles.Styled(job.State, Styles.JobState(job.State)),
                Styles.Plain(job.Attempt.ToString(CultureInfo.InvariantCulture)),
                Styles.Plain(Formats.Exit(job.ExitCode, job.Signal)),
                Styles.Plain(job.Host),
                Styles.Plain(Formats.StorageTime(job.CreatedAt)),
                Styles.Plain(Formats.StorageTime(job.FinishedAt)),
                Styles.Plain(job.Reason));
        }

        session.Terminal.Write(table);
        return ExitCodes.Ok;
    }
}
