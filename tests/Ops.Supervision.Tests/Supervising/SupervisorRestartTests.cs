using Microsoft.Extensions.Logging;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorRestartTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Supervisor_ExitsAtOnceWithMaxRestarts3_StartsFourTimesWithDelays100_200_400ThenFatal()
    {
        var spec = Harness.Program("web") with { MaxRestarts = 3 };
        await using var h = await Harness.StartAsync([spec], h => h.Launcher.OnStart = p => p.Exit(3));
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);

        foreach (var (delayMs, attempts) in new[] { (100, 2), (200, 3), (400, 4) })
        {
            await h.AdvanceAsync(TimeSpan.FromMilliseconds(delayMs) - Harness.Tick);
            Assert.Equal(attempts - 1, h.Launcher.AttemptsOf("web"));
            await h.AdvanceAsync(Harness.Tick);
            Assert.Equal(attempts, h.Launcher.AttemptsOf("web"));
        }

        var state = h.State("web");
        Assert.Equal(InstanceState.Fatal, state.State);
        Assert.Equal("exit 3: 4 failed starts in a row (MaxRestarts 3)", state.Reason);
        Assert.Equal(3, state.LastExitCode);
        Assert.Equal(3, state.Restarts);
        Assert.Equal(
            [T0, T0.AddMilliseconds(100), T0.AddMilliseconds(300), T0.AddMilliseconds(700)],
            h.Launcher.Attempts.Select(a => a.At));
        Assert.Equal(
            [100, 200, 400],
            h.RecordedFor("web").Where(r => r.To == InstanceState.Backoff).Select(r => r.Delay!.Value.TotalMilliseconds));

        await h.AdvanceAsync(TimeSpan.FromHours(1));
        Assert.Equal(4, h.Launcher.AttemptsOf("web"));
        Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task Supervisor_FatalWithFatalRetryAfter_StartsAgainAfterThatTimeWithFreshBudget()
    {
        var spec = Harness.Program("web") with { MaxRestarts = 1, FatalRetryAfter = TimeSpan.FromMinutes(5) };
        await using var h = await Harness.StartAsync([spec], h => h.Launcher.OnStart = p => p.Exit(3));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(InstanceState.Fatal, h.State("web").State);
        Assert.Equal(2, h.Launcher.AttemptsOf("web"));

        await h.AdvanceAsync(TimeSpan.FromMinutes(5) - Harness.Tick);
        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(3, h.Launcher.AttemptsOf("web"));
        Assert.Contains(h.RecordedFor("web"), r => r is { From: InstanceState.Fatal, To: InstanceState.Starting, Reason: "fatal-retry" });

        // A fresh budget: the retry's failure backs off from the first delay instead of going Fatal at once.
        var state = h.State("web");
        Assert.Equal(InstanceState.Backoff, state.State);
        Assert.Equal(TimeSpan.FromMilliseconds(100), h.RecordedFor("web")[^1].Delay);
    }

    [Fact]
    public async Task Supervisor_OnFailureRunningExitsZero_ExitedAndNotRestarted()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.ActAsync(() => h.Launcher.Last("web").Exit(0));
        await h.AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Equal(InstanceState.Exited, h.State("web").State);
        Assert.Equal("exit 0", h.State("web").Reason);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Supervisor_NeverRunningExitsThree_Exited()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Restart = RestartPolicy.Never });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.ActAsync(() => h.Launcher.Last("web").Exit(3));
        await h.AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Equal(InstanceState.Exited, h.State("web").State);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Supervisor_AlwaysRunningExitsZero_RestartedAfterFirstDelay()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Restart = RestartPolicy.Always });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.ActAsync(() => h.Launcher.Last("web").Exit(0));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100) - Harness.Tick);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(1, h.State("web").Restarts);
    }

    [Fact]
    public async Task Supervisor_RunningKilledBySignal9_RestartsAfterFirstDelayAndCountsOneRestart()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, h.State("web").State);

        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
        var backoff = h.State("web");
        Assert.Equal(InstanceState.Backoff, backoff.State);
        Assert.Equal("signal 9", backoff.Reason);
        Assert.Equal(9, backoff.LastSignal);
        Assert.Null(backoff.LastExitCode);
        Assert.Null(backoff.Pid);

        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100) - Harness.Tick);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(1, h.State("web").Restarts);
        Assert.Equal(InstanceState.Starting, h.State("web").State);
        Assert.Equal(h.Launcher.Last("web").Pid, h.State("web").Pid);
    }

    [Fact]
    public async Task Supervisor_ReachingRunningAgain_ResetsTheDelay()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, h.State("web").State);

        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));

        Assert.Equal(TimeSpan.FromMilliseconds(100), h.RecordedFor("web")[^1].Delay);
    }

    [Fact]
    public async Task Supervisor_RestartedProcessFailsToStart_DelayGrows()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));

        await h.ActAsync(() => h.Launcher.Last("web").Exit(1));

        Assert.Equal(TimeSpan.FromMilliseconds(200), h.RecordedFor("web")[^1].Delay);
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("web:0 Starting -> Backoff", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Supervisor_MoreThanMaxRestartsInsideWindow_Fatal()
    {
        var spec = Harness.Program("web") with { Restart = RestartPolicy.Always, MaxRestarts = 2 };
        await using var h = await Harness.StartAsync(spec);

        for (var crash = 1; crash <= 2; crash++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(1));
            await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
            Assert.Equal(InstanceState.Backoff, h.State("web").State);
            await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        }

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));

        Assert.Equal(InstanceState.Fatal, h.State("web").State);
        Assert.Equal("signal 9: 3 restarts within 00:10:00 (MaxRestarts 2)", h.State("web").Reason);
        Assert.Equal(2, h.State("web").Restarts);
    }

    [Fact]
    public async Task Supervisor_RestartsSpreadWiderThanWindow_NeverFatal()
    {
        var spec = Harness.Program("web") with { Restart = RestartPolicy.Always, MaxRestarts = 2 };
        await using var h = await Harness.StartAsync(spec);

        for (var crash = 1; crash <= 5; crash++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(6));
            await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
            Assert.Equal(InstanceState.Backoff, h.State("web").State);
            await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(6, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Supervisor_LaunchException_IsAFailedStartWithItsMessage()
    {
        var spec = Harness.Program("web") with { MaxRestarts = 2 };
        await using var h = await Harness.StartAsync([spec], h => h.Launcher.Failure = _ => "web:0: '/bin/web' not found");

        var first = h.RecordedFor("web");
        Assert.Equal([InstanceState.Starting, InstanceState.Backoff], first.Select(r => r.To));
        Assert.Equal("web:0: '/bin/web' not found", first[^1].Reason);
        Assert.Null(first[0].Pid);

        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(3, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Fatal, h.State("web").State);
        Assert.Equal("web:0: '/bin/web' not found: 3 failed starts in a row (MaxRestarts 2)", h.State("web").Reason);
        Assert.Empty(h.Launcher.Started);
    }

    [Fact]
    public async Task Supervisor_ZeroBackoff_RelaunchesInTheExitsOwnTurn()
    {
        var spec = Harness.Program("web") with { Backoff = BackoffPolicy.Default with { Initial = TimeSpan.Zero } };
        await using var h = await Harness.StartAsync(spec);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.ActAsync(() => h.Launcher.Last("web").Crash(11));

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(
            [InstanceState.Starting, InstanceState.Running, InstanceState.Backoff, InstanceState.Starting],
            h.RecordedFor("web").Select(r => r.To));
    }

    [Fact]
    public async Task Supervisor_ExitTransition_RecordsStderrTailPidAndExitCode()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Launcher.OnStart = p => p.Stderr = [.. Enumerable.Range(1, 30).Select(i => $"line {i}")]);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var pid = h.Launcher.Last("web").Pid;

        await h.ActAsync(() => h.Launcher.Last("web").Exit(3));

        var record = h.RecordedFor("web")[^1];
        Assert.Equal("exit 3", record.Reason);
        Assert.Equal(pid, record.Pid);
        Assert.Equal(3, record.ExitCode);
        Assert.Equal(20, record.StderrTail.Count);
        Assert.Equal("line 30", record.StderrTail[^1]);
    }

    [Fact]
    public async Task Supervisor_AutoStartFalse_NotStarted()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { AutoStart = false });

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
    }

    [Fact]
    public async Task Supervisor_SeveralInstances_EachGetsItsExpandedLaunchSpec()
    {
        var spec = Harness.Program("web") with { Instances = 2, Args = ["--port", "80{instance}"] };
        await using var h = await Harness.StartAsync(spec);

        Assert.Equal(["--port", "800"], h.Launcher.Last("web", 0).Spec.Args);
        Assert.Equal(["--port", "801"], h.Launcher.Last("web", 1).Spec.Args);
    }
}
