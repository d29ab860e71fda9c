using System.Globalization;
using System.Text.Json;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Specs;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Jobs.Running;

/// <summary>
/// Runs one attempt of a task: its command in its own process group with OPS_* variables and the item on stdin;
/// Timeout or cancellation stop the whole group (StopSignal, StopTimeout, SIGKILL); the result goes onto the job.
/// </summary>
public sealed partial class TaskRunner(TaskCatalog catalog, IProcessLauncher launcher, RunSlots slots, string hostName, TimeProvider time, Metrics.TaskMetrics metrics, RunRegistry runs, ILogger<TaskRunner> logger)
{
    /// <summary>Lines of stderr kept on a failed run.</summary>
    public const int StderrTailLines = 20;

    /// <summary>Per-run output files are small: the run's stderr tail is on the job, the rest goes to the log.</summary>
    private static readonly LogSpec RunLog = new(10L * 1024 * 1024, 2);

    /// <summary>
    /// Runs the attempt on the calling thread (the Hangfire worker owns it anyway, and blocking it without spinning
    /// is cheaper than an async chain): returns the outcome on exit 0, throws <see cref="TaskRunFailedException"/>
    /// otherwise. The outcome becomes the Succeeded state's result, written with the state change: no extra write.
    /// </summary>
    public RunOutcome Run(string taskName, string? argsJson, string? itemJson, PerformContext context, CancellationToken cancellationToken)
    {
        var jobId = context.BackgroundJob.Id;
        var spec = catalog.Task(taskName) ?? throw new TaskRunFailedException($"task '{taskName}' is not configured on host {hostName}");
        var attempt = context.Items.TryGetValue(JobParameters.AttemptItem, out var counted) && counted is int number
            ? number
            : context.GetJobParameter<int?>(JobParameters.Attempt, allowStale: true) ?? 1;

        using var slot = slots.Take(taskName);
        var owner = new RunSlotId(taskName, slot.Number);
        var launch = new LaunchSpec(
            owner,
            spec.Command,
            [.. spec.Args, .. ParseArgs(argsJson)],
            spec.WorkingDirectory,
            Environment(spec, jobId, attempt, itemJson),
            null,
            RunLog)
        {
            StandardInput = itemJson is null ? null : itemJson + "\n",
        };

        runs.Reserve(owner, new RunInfo(taskName, jobId, attempt));
        IRunningProcess process;
        try
        {
            process = launcher.Start(launch);
        }
        catch (LaunchException ex)
        {
            throw Fail(context, $"could not start: {ex.Message}", null, []);
        }

        var startedAt = time.GetTimestamp();
        runs.Started(process.Pid, new RunInfo(taskName, jobId, attempt));
        try
        {
            return Wait(process, spec, taskName, jobId, attempt, startedAt, context, cancellationToken);
        }
        finally
        {
            runs.Ended(process.Pid);
            process.Dispose();
        }
    }

    private RunOutcome Wait(IRunningProcess process, TaskSpec spec, string taskName, string jobId, int attempt, long startedAt, PerformContext context, CancellationToken cancellationToken)
    {
        LogStarted(taskName, jobId, attempt, process.Pid, spec.Queue);
        ProcessExit? exited;

        // The Timeout is a timer of the injected clock, not a wait on the wall clock inside the process edge.
        using (var timeout = new CancellationTokenSource(spec.Timeout, time))
        using (var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                exited = process.WaitForExit(System.Threading.Timeout.InfiniteTimeSpan, either.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                exited = null;
            }
            catch (OperationCanceledException)
            {
                // Deleted in the console, or the daemon is stopping: Hangfire decides what comes next.
                Stop(process, spec, taskName, jobId, startedAt);
                LogCanceled(taskName, jobId, attempt, process.Pid);
                throw;
            }
        }

        if (exited is not { } exit)
        {
            Stop(process, spec, taskName, jobId, startedAt);
            throw Fail(context, $"timeout after {spec.Timeout:c}: process group {process.Pid} stopped", null, process.Tail(OutputStream.Stderr, StderrTailLines));
        }

        // The leader is gone; anything it left, in its group or daemonised out of it, must not outlive the run: a stop
        // with no grace kills what is left.
        var leftovers = process.StopAsync((int)spec.StopSignal, TimeSpan.Zero, CancellationToken.None).GetAwaiter().GetResult();
        EndRecord(process, leftovers.Gone, taskName, jobId);
        metrics.ObserveDuration(taskName, time.GetElapsedTime(startedAt));
        var stderr = process.Tail(OutputStream.Stderr, StderrTailLines);
        if (exit.ExitCode != 0)
        {
            throw Fail(context, exit.Describe(), exit, stderr);
        }

        metrics.CountRun(taskName, Metrics.TaskMetrics.Outcomes.Succeeded);
        LogSucceeded(taskName, jobId, attempt, process.Pid);
        return new RunOutcome(hostName, exit.ExitCode, exit.Signal, null, [.. stderr]);
    }

    /// <summary>A run that must end early (timeout, deletion, shutdown): its whole group is stopped and the record ended.</summary>
    private void Stop(IRunningProcess process, TaskSpec spec, string taskName, string jobId, long startedAt)
    {
        metrics.ObserveDuration(taskName, time.GetElapsedTime(startedAt));
        // The edge's one stop: StopSignal, StopTimeout, SIGKILL, the group confirmed empty.
        var outcome = process.StopAsync((int)spec.StopSignal, spec.StopTimeout, CancellationToken.None).GetAwaiter().GetResult();
        if (outcome.Gone)
        {
            // The leader is reaped; this lets its output drain, so the tail on the job has its last lines.
            _ = process.WaitForExit(Timeout.InfiniteTimeSpan, CancellationToken.None);
        }

        EndRecord(process, outcome.Gone, taskName, jobId);
    }

    /// <summary>
    /// Drops the run's orphan record once nothing of the run is left; survivors of SIGKILL (stuck in the kernel) keep
    /// it, so that a daemon start finds them by the record's token until the slot's next run replaces it.
    /// </summary>
    private void EndRecord(IRunningProcess process, bool empty, string taskName, string jobId)
    {
        if (empty)
        {
            process.MarkGroupEnded();
        }
        else
        {
            LogSurvivors(taskName, jobId, process.Pid);
        }
    }

    private static Dictionary<string, string> Environment(TaskSpec spec, string jobId, int attempt, string? itemJson)
    {
        var environment = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal)
        {
            ["OPS_JOB_ID"] = jobId,
            ["OPS_ATTEMPT"] = attempt.ToString(CultureInfo.InvariantCulture),
            ["OPS_TASK"] = spec.Name,
        };
        if (itemJson is not null)
        {
            environment["OPS_ITEM"] = itemJson;
        }

        return environment;
    }

    private static IReadOnlyList<string> ParseArgs(string? argsJson) =>
        string.IsNullOrEmpty(argsJson) ? [] : JsonSerializer.Deserialize<string[]>(argsJson) ?? [];

    private TaskRunFailedException Fail(PerformContext context, string reason, ProcessExit? exit, IReadOnlyList<string> stderr)
    {
        // The first line is what lists and logs show: the cause and the last stderr line; the tail follows.
        var summary = stderr.Count == 0 ? reason : $"{reason} (stderr: {stderr[^1]})";
        context.SetJobParameter(JobParameters.Outcome, new RunOutcome(hostName, exit?.ExitCode, exit?.Signal, summary, [.. stderr]));
        var tail = stderr.Count == 0 ? string.Empty : $"{System.Environment.NewLine}last stderr lines:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, stderr)}";
        return new TaskRunFailedException($"{summary}{tail}", exit?.ExitCode);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} job {JobId} attempt {Attempt} started as pid {Pid} on queue {Queue}")]
    private partial void LogStarted(string task, string jobId, int attempt, int pid, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} job {JobId} attempt {Attempt} (pid {Pid}) succeeded")]
    private partial void LogSucceeded(string task, string jobId, int attempt, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {Task} job {JobId}: processes of the run (process group {Pid}) survived SIGKILL; its orphan record is kept")]
    private partial void LogSurvivors(string task, string jobId, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {Task} job {JobId} attempt {Attempt} (pid {Pid}) canceled: its process group was stopped")]
    private partial void LogCanceled(string task, string jobId, int attempt, int pid);
}
