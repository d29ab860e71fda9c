using Microsoft.Extensions.Logging;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorStopTests
{
    [Fact]
    public async Task Stop_Running_SendsStopSignalToGroupThenStoppedOnceGroupEmpty()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { StopSignal = StopSignal.SIGINT });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var process = h.Launcher.Last("web");

        var result = await h.SendAsync(CommandKind.Stop, "web");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal([2], process.Signals);
        Assert.Equal(0, process.Kills);
        Assert.True(process.MarkedGroupEnded);
        Assert.True(process.Disposed);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Null(h.Supervisor.PidOf("web", 0));
        Assert.Equal(
            [(InstanceState.Running, InstanceState.Stopping, "operator"), (InstanceState.Stopping, InstanceState.Stopped, "operator")],
            h.RecordedFor("web").TakeLast(2).Select(r => (r.From, r.To, r.Reason)));
        Assert.Equal(2, h.RecordedFor("web")[^1].Signal);
    }

    [Fact]
    public async Task Stop_ProcessIgnoresStopSignal_KilledOnlyAfterStopTimeout()
    {
        var spec = Harness.Program("web") with { StopTimeout = TimeSpan.FromSeconds(10) };
        await using var h = await Harness.StartAsync([spec], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = true);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var process = h.Launcher.Last("web");

        await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10) - Harness.Tick);
        Assert.Equal([15], process.Signals);
        Assert.Equal(0, process.Kills);
        Assert.Equal(InstanceState.Stopping, h.State("web").State);

        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(1, process.Kills);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal(9, h.RecordedFor("web")[^1].Signal);
    }

    [Fact]
    public async Task Stop_GrandchildOutlivesLeader_StoppedOnlyAfterGroupIsEmpty()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.WithSurvivors());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var process = h.Launcher.Last("web");

        await h.SendAsync(CommandKind.Stop, "web");
        Assert.False(process.IsAlive);
        Assert.Equal(InstanceState.Stopping, h.State("web").State);
        Assert.False(process.MarkedGroupEnded);

        // The grandchild keeps the StopTimeout grace the leader had, then the group is killed.
        await h.AdvanceAsync(TimeSpan.FromSeconds(10) - Harness.Tick);
        Assert.Equal(0, process.Kills);
        Assert.Equal(InstanceState.Stopping, h.State("web").State);
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(1, process.Kills);
        Assert.True(process.MarkedGroupEnded);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
    }

    [Fact]
    public async Task Stop_GrandchildSurvivesKill_StoppedOnlyWhenItIsGone()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Launcher.OnStart = p => { p.WithSurvivors(); p.SurvivorsResistKill = true; });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var process = h.Launcher.Last("web");

        await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(InstanceState.Stopping, h.State("web").State);

        await h.ActAsync(process.EndSurvivors);

        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.True(process.MarkedGroupEnded);
    }

    [Fact]
    public async Task Stop_GrandchildSurvivesKill_ReportedWithItsPidAndKilledAgain()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Launcher.OnStart = p => { p.WithSurvivors(); p.SurvivorsResistKill = true; });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var process = h.Launcher.Last("web");

        await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, process.Kills);
        Assert.DoesNotContain(h.Logger.Entries, e => e.EventId.Id == 8);
        await h.AdvanceAsync(FakeProcess.KillWait);

        Assert.Equal(2, process.Kills);
        Assert.Equal([(15, TimeSpan.FromSeconds(10)), (9, TimeSpan.Zero)], process.Stops);
        var report = Assert.Single(h.Logger.Entries, e => e.EventId.Id == 8);
        Assert.Equal(LogLevel.Warning, report.Level);
        Assert.Contains((process.Pid + FakeProcess.SurvivorPidOffset).ToString(System.Globalization.CultureInfo.InvariantCulture), report.Message, StringComparison.Ordinal);
        Assert.Equal(InstanceState.Stopping, h.State("web").State);
        Assert.False(process.MarkedGroupEnded);

        await h.ActAsync(process.EndSurvivors);

        Assert.Equal(InstanceState.Stopped, h.State("web").State);
    }

    [Fact]
    public async Task Crash_GrandchildLeft_KilledBeforeTheRestart()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.WithSurvivors());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = h.Launcher.Last("web");

        await h.ActAsync(() => first.Crash(9));
        Assert.Equal(1, first.Kills);
        Assert.True(first.MarkedGroupEnded);
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Crash_GrandchildSurvivesKill_NoSecondCopyUntilGroupIsEmpty()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Launcher.OnStart = p => { p.WithSurvivors(); p.SurvivorsResistKill = true; });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = h.Launcher.Last("web");

        await h.ActAsync(() => first.Crash(9));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);

        await h.ActAsync(first.EndSurvivors);

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Starting, h.State("web").State);
    }

    [Fact]
    public async Task Restart_Running_StartsTheNewCopyOnlyAfterTheOldGroupIsEmpty()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Launcher.OnStart = p => { p.WithSurvivors(); p.SurvivorsResistKill = true; });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = h.Launcher.Last("web");

        var result = await h.SendAsync(CommandKind.Restart, "web:0");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Stopping, h.State("web").State);

        await h.ActAsync(first.EndSurvivors);

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(
            [(InstanceState.Running, InstanceState.Stopping), (InstanceState.Stopping, InstanceState.Stopped), (InstanceState.Stopped, InstanceState.Starting)],
            h.RecordedFor("web").TakeLast(3).Select(r => (r.From, r.To)));
        Assert.All(h.RecordedFor("web").TakeLast(3), r => Assert.Equal("operator", r.Reason));
        Assert.Equal(0, h.State("web").Restarts);
    }

    [Fact]
    public async Task Stop_InBackoff_StoppedAtOnceAndNeverRestarted()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.Exit(3));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);

        var result = await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal("operator", h.State("web").Reason);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Stop_OperatorStopped_NoAutomaticRestartUntilStartedAgain()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Restart = RestartPolicy.Always });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromHours(1));
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));

        await h.SendAsync(CommandKind.Start, "web");

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task StopAll_Dependents_StopLevelByLevelBeforeTheirDependencies()
    {
        await using var h = await Harness.StartAsync(
            [
                Harness.Program("db"),
                Harness.Program("api") with { DependsOn = ["db"] },
                Harness.Program("web") with { DependsOn = ["api"], Instances = 2 },
            ],
            h => h.Launcher.OnStart = p => p.IgnoreStopSignal = true);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Running, s.State));
        var (db, api, web0, web1) = (h.Launcher.Last("db"), h.Launcher.Last("api"), h.Launcher.Last("web", 0), h.Launcher.Last("web", 1));

        var stopAll = h.Supervisor.StopAllAsync(CancellationToken.None);
        await h.IdleAsync();
        Assert.Equal([15], web0.Signals);
        Assert.Equal([15], web1.Signals);
        Assert.Empty(api.Signals);

        await h.ActAsync(() => web0.Exit(0));
        Assert.Empty(api.Signals);
        await h.ActAsync(() => web1.Exit(0));
        Assert.Equal([15], api.Signals);
        Assert.Empty(db.Signals);

        await h.ActAsync(() => api.Exit(0));
        Assert.Equal([15], db.Signals);
        Assert.False(stopAll.IsCompleted);

        await h.ActAsync(() => db.Exit(0));
        await stopAll.WaitAsync(Harness.Patience);

        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Stopped, s.State));
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal("shutdown", s.Reason));
    }

    [Fact]
    public async Task StopAll_ProcessIgnoresSignal_CompletesAfterKill()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = true);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var stopAll = h.Supervisor.StopAllAsync(CancellationToken.None);
        await h.IdleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(10) - Harness.Tick);
        Assert.False(stopAll.IsCompleted);
        await h.AdvanceAsync(Harness.Tick);
        await stopAll.WaitAsync(Harness.Patience);

        Assert.Equal(1, h.Launcher.Last("web").Kills);
    }

    [Fact]
    public async Task StopAll_BackoffExitedAndFatal_AllEndStoppedAndNothingStartsAgain()
    {
        await using var h = await Harness.StartAsync(
            [
                Harness.Program("backoff"),
                Harness.Program("exited") with { Restart = RestartPolicy.Never },
                Harness.Program("fatal") with { MaxRestarts = 0, FatalRetryAfter = TimeSpan.FromSeconds(30) },
                Harness.Program("idle") with { AutoStart = false },
            ],
            h => h.Launcher.OnStart = p => { if (p.Spec.Owner.Name is "backoff" or "fatal") { p.Exit(1); } });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(150));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(150));
        await h.ActAsync(() => h.Launcher.Last("exited").Exit(0));
        Assert.Equal(InstanceState.Backoff, h.State("backoff").State);
        Assert.Equal(InstanceState.Exited, h.State("exited").State);
        Assert.Equal(InstanceState.Fatal, h.State("fatal").State);
        var attempts = h.Launcher.Attempts.Count;

        await h.Supervisor.StopAllAsync(CancellationToken.None).WaitAsync(Harness.Patience);
        await h.AdvanceAsync(TimeSpan.FromHours(1));
        var start = await h.SendAsync(CommandKind.Start, "all");

        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Stopped, s.State));
        Assert.Equal(attempts, h.Launcher.Attempts.Count);
        Assert.Equal(CommandStatus.Conflict, start.Status);
    }
}
