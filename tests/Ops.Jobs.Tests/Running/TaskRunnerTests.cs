using Hangfire.Common;
using Hangfire.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Jobs.Metrics;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;
using Ops.Supervision.Os;

namespace Ops.Jobs.Tests.Running;

/// <summary>One attempt against a fake process edge and a fake clock: timeouts and stop graces are exact.</summary>
public sealed class TaskRunnerTests : IDisposable
{
    private const int Pid = 4242;
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly JobStore _store = new();
    private readonly ObservedTimeProvider _time = new();
    private readonly FakeProcessLauncher _launcher = new();
    private readonly TaskMetrics _metrics = new();
    private readonly TaskRunner _runner;

    public TaskRunnerTests()
    {
        _launcher.Time = _time;
        var catalog = new TaskCatalog(
            [
                new TaskSpec
                {
                    Name = "resize",
                    Command = "/usr/bin/resize",
                    Args = ["--fast"],
                    Environment = new Dictionary<string, string> { ["MODE"] = "thumb" },
                    Timeout = TimeSpan.FromSeconds(30),
                    StopTimeout = TimeSpan.FromSeconds(5),
                },
            ],
            []);
        _runner = new TaskRunner(catalog, _launcher, new RunSlots(), "host-a", _time, _metrics, new RunRegistry(_time), NullLogger<TaskRunner>.Instance);
    }

    [Fact]
    public void Run_CommandExits0_ReturnsTheOutcomeAndLaunchedTheCommandWithItsRunsEnvironment()
    {
        var process = _launcher.Prepare(Pid);
        process.Exit(ProcessExit.Exited(0));
        var context = Context(attempt: 2);

        var outcome = _runner.Run("resize", "[\"--size\",\"64\"]", "{\"file\":\"a.png\"}", context, CancellationToken.None);

        Assert.Equal(("host-a", 0, (int?)null, (string?)null), (outcome.Host, outcome.ExitCode, outcome.Signal, outcome.Failure));
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal("/usr/bin/resize", launch.Command);
        Assert.Equal(["--fast", "--size", "64"], launch.Args);
        Assert.Equal("{\"file\":\"a.png\"}\n", launch.StandardInput);
        Assert.Equal(
            [("MODE", "thumb"), ("OPS_ATTEMPT", "2"), ("OPS_ITEM", "{\"file\":\"a.png\"}"), ("OPS_JOB_ID", context.BackgroundJob.Id), ("OPS_TASK", "resize")],
            launch.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)));
        Assert.Empty(process.Signals);
        Assert.Equal(1, process.GroupEndedMarks);
        Assert.True(process.Disposed);
        Assert.Equal(1, Count("succeeded"));
    }

    [Fact]
    public void Run_CommandExits3_FailsWithTheExitCodeAndStderrTailAndKeepsTheOutcomeOnTheJob()
    {
        var process = _launcher.Prepare(Pid);
        process.Stderr.AddRange(["reading a.png", "disk on fire"]);
        process.Exit(ProcessExit.Exited(3));
        var context = Context(attempt: 1);

        var ex = Assert.Throws<TaskRunFailedException>(() => _runner.Run("resize", null, null, context, CancellationToken.None));

        Assert.Equal(3, ex.ExitCode);
        Assert.StartsWith("exit 3 (stderr: disk on fire)", ex.Message, StringComparison.Ordinal);
        var stored = SerializationHelper.Deserialize<RunOutcome>(_store.Parameter(context.BackgroundJob.Id, JobParameters.Outcome));
        Assert.Equal(("host-a", 3, "exit 3 (stderr: disk on fire)"), (stored.Host, stored.ExitCode, stored.Failure));
        Assert.Equal(["reading a.png", "disk on fire"], stored.StderrTail);
        Assert.Null(_launcher.Launches.Single().StandardInput);
        Assert.Equal(0, Count("succeeded"));
    }

    [Fact]
    public async Task Run_TimeoutPasses_StopsTheGroupAtExactlyTheTimeoutAndFails()
    {
        var process = _launcher.Prepare(Pid);
        process.ExitOn = (SigTerm, ProcessExit.Killed(SigTerm));
        var run = Task.Run(() => _runner.Run("resize", null, null, Context(attempt: 1), CancellationToken.None));
        await process.Waiting.WaitAsync(Wait);
        await _time.NextTimerAsync();

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Empty(process.Signals);
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));

        var ex = await Assert.ThrowsAsync<TaskRunFailedException>(() => run.WaitAsync(Wait));
        Assert.StartsWith("timeout after 00:00:30: process group 4242 stopped", ex.Message, StringComparison.Ordinal);
        Assert.Equal([SigTerm], process.Signals);
        Assert.Equal(30.0, Duration());
        Assert.Equal(1, process.GroupEndedMarks);
    }

    [Fact]
    public async Task Run_TimeoutAndTheCommandIgnoresItsStopSignal_KilledAfterExactlyStopTimeout()
    {
        var process = _launcher.Prepare(Pid);
        var run = Task.Run(() => _runner.Run("resize", null, null, Context(attempt: 1), CancellationToken.None));
        await process.Waiting.WaitAsync(Wait);
        await _time.NextTimerAsync();
        _time.Advance(TimeSpan.FromSeconds(30));

        // The grace is a timer armed after the stop signal went out.
        await _time.NextTimerAsync();
        Assert.Equal([SigTerm], process.Signals);
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal([SigTerm], process.Signals);
        _time.Advance(TimeSpan.FromTicks(1));

        await Assert.ThrowsAsync<TaskRunFailedException>(() => run.WaitAsync(Wait));
        Assert.Equal([SigTerm, SigKill], process.Signals);
    }

    [Fact]
    public async Task Run_CanceledWhileRunning_StopsTheGroupAndRethrowsTheCancellation()
    {
        var process = _launcher.Prepare(Pid);
        process.ExitOn = (SigTerm, ProcessExit.Killed(SigTerm));
        using var cancel = new CancellationTokenSource();
        var context = Context(attempt: 1);
        var run = Task.Run(() => _runner.Run("resize", null, null, context, cancel.Token));
        await process.Waiting.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromSeconds(7));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wait));
        Assert.Equal([SigTerm], process.Signals);
        Assert.Equal(7.0, Duration());
        Assert.Equal(1, process.GroupEndedMarks);
        Assert.Null(_store.Parameter(context.BackgroundJob.Id, JobParameters.Outcome));
    }

    [Fact]
    public void Run_LeaderExitsButItsGroupSurvivesSigkill_KeepsTheOrphanRecord()
    {
        var process = _launcher.Prepare(Pid);
        process.GroupEmpty = false;
        process.Exit(ProcessExit.Exited(0));

        _runner.Run("resize", null, null, Context(attempt: 1), CancellationToken.None);

        Assert.Equal([SigKill], process.Signals);
        Assert.Equal(0, process.GroupEndedMarks);
    }

    [Fact]
    public void Run_CommandCannotStart_FailsWithTheCauseOnTheJob()
    {
        _launcher.FailWith = "resize: /usr/bin/resize not found";
        var context = Context(attempt: 1);

        var ex = Assert.Throws<TaskRunFailedException>(() => _runner.Run("resize", null, null, context, CancellationToken.None));

        Assert.Equal("could not start: resize: /usr/bin/resize not found", ex.Message);
        Assert.Contains("could not start", _store.Parameter(context.BackgroundJob.Id, JobParameters.Outcome), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TaskNotConfiguredOnThisHost_FailsNamingTheHost()
    {
        var ex = Assert.Throws<TaskRunFailedException>(() => _runner.Run("gone", null, null, Context(attempt: 1), CancellationToken.None));

        Assert.Equal("task 'gone' is not configured on host host-a", ex.Message);
        Assert.Empty(_launcher.Launches);
    }

    public void Dispose() => _store.Dispose();

    /// <summary>The context of a worker whose attempt filter counted <paramref name="attempt"/>.</summary>
    private PerformContext Context(int attempt)
    {
        var context = _store.Perform(_store.Create("resize"));
        context.Items[JobParameters.AttemptItem] = attempt;
        return context;
    }

    private long Count(string outcome) => _metrics.Runs().Where(r => r.Outcome == outcome).Sum(r => r.Count);

    private double Duration() => _metrics.Durations().Single().Histogram.SumSeconds;
}
