using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorReloadTests
{
    private static readonly TimeSpan StartSeconds = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Reload_SameSetInNewObjects_KeepsPidsAndRecordsNothing()
    {
        await using var h = await Harness.StartAsync(Spec("web"), Spec("api"));
        await h.AdvanceAsync(StartSeconds);
        var before = h.Supervisor.Snapshot();
        var recorded = h.Recorded.Count;
        var launches = h.Launcher.Attempts.Count;

        var result = await h.ReloadAsync(Spec("web"), Spec("api"));

        Assert.True(result.Plan.IsEmpty);
        Assert.Equal(["api", "web"], result.Plan.Unchanged);
        Assert.Empty(result.Dropped);
        Assert.Empty(result.Started);
        Assert.Equal(before, h.Supervisor.Snapshot());
        Assert.Equal(recorded, h.Recorded.Count);
        Assert.Equal(launches, h.Launcher.Attempts.Count);
        Assert.All(h.Launcher.Started, p => Assert.Empty(p.Signals));
    }

    [Fact]
    public async Task Reload_OneProgramChanged_RestartsOnlyItWithReasonConfig()
    {
        await using var h = await Harness.StartAsync(Spec("web"), Spec("api"));
        await h.AdvanceAsync(StartSeconds);
        var api = h.State("api");
        var apiRecords = h.RecordedFor("api").Count;
        var oldWeb = h.Launcher.Last("web");

        var result = await h.ReloadAsync(Spec("web") with { Args = ["--serve", "--verbose"] }, Spec("api"));

        Assert.Equal(["web"], result.Plan.Changed);
        Assert.Equal(["Args"], result.Plan.ChangedFields["web"]);
        Assert.Equal(["api"], result.Plan.Unchanged);
        Assert.Equal(["web:0"], result.Started.Select(id => id.ToString()));
        var newWeb = h.Launcher.Last("web");
        Assert.NotEqual(oldWeb.Pid, newWeb.Pid);
        Assert.Equal(["--serve", "--verbose"], newWeb.Spec.Args);
        Assert.Equal([15], oldWeb.Signals);
        Assert.True(oldWeb.MarkedGroupEnded);
        Assert.Equal(
            [
                (InstanceState.Running, InstanceState.Stopping, "config"),
                (InstanceState.Stopping, InstanceState.Stopped, "config"),
                (InstanceState.Stopped, InstanceState.Starting, "config"),
            ],
            h.RecordedFor("web").TakeLast(3).Select(r => (r.From, r.To, r.Reason)));
        Assert.Equal(newWeb.Pid, h.State("web").Pid);
        Assert.Contains(h.Supervisor.History("web")!, r => r.Reason == "autostart");
        Assert.Equal(["--serve", "--verbose"], h.Supervisor.Programs.Single(p => p.Name == "web").Args);

        Assert.Equal(api, h.State("api"));
        Assert.Equal(apiRecords, h.RecordedFor("api").Count);

        await h.AdvanceAsync(StartSeconds);
        Assert.Equal(InstanceState.Running, h.State("web").State);
    }

    [Fact]
    public async Task Reload_ProgramRemoved_FullStopSequenceThenGoneFromSnapshot()
    {
        var old = Spec("old") with { StopTimeout = TimeSpan.FromSeconds(5) };
        await using var h = await Harness.StartAsync([Spec("web"), old], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = p.Spec.Owner.Name == "old");
        await h.AdvanceAsync(StartSeconds);
        var process = h.Launcher.Last("old");

        var reload = h.Supervisor.ReloadAsync([Spec("web")], CancellationToken.None);
        await h.IdleAsync();
        Assert.False(reload.IsCompleted);
        Assert.Equal(InstanceState.Stopping, h.State("old").State);
        Assert.Equal([15], process.Signals);
        await h.AdvanceAsync(old.StopTimeout - Harness.Tick);
        Assert.False(reload.IsCompleted);
        Assert.Equal(0, process.Kills);
        await h.AdvanceAsync(Harness.Tick);
        var result = await reload.WaitAsync(Harness.Patience);

        Assert.Equal(1, process.Kills);
        Assert.True(process.MarkedGroupEnded);
        Assert.Equal(["old"], result.Plan.Removed);
        Assert.Equal(["old:0"], result.Dropped.Select(id => id.ToString()));
        Assert.Null(h.Supervisor.Snapshot("old"));
        Assert.Null(h.Supervisor.History("old"));
        Assert.Null(h.Supervisor.PidOf("old", 0));
        Assert.Equal(["web"], h.Supervisor.Snapshot().Select(s => s.Program));
        Assert.Equal(["web"], h.Supervisor.Programs.Select(p => p.Name));
        Assert.Equal(
            [(InstanceState.Running, InstanceState.Stopping, "config"), (InstanceState.Stopping, InstanceState.Stopped, "config")],
            h.RecordedFor("old").TakeLast(2).Select(r => (r.From, r.To, r.Reason)));
        Assert.Equal(CommandStatus.NotFound, (await h.SendAsync(CommandKind.Start, "old")).Status);
    }

    [Fact]
    public async Task Reload_ProgramRemovedDuringBackoff_StoppedAndNeverLaunchedAgain()
    {
        await using var h = await Harness.StartAsync(
            [Spec("web"), Spec("flaky")], h => h.Launcher.OnStart = p => { if (p.Spec.Owner.Name == "flaky") { p.Exit(1); } });
        Assert.Equal(InstanceState.Backoff, h.State("flaky").State);

        var result = await h.ReloadAsync(Spec("web"));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(["flaky:0"], result.Dropped.Select(id => id.ToString()));
        Assert.Equal(1, h.Launcher.AttemptsOf("flaky"));
        Assert.Equal((InstanceState.Backoff, InstanceState.Stopped, "config"), h.RecordedFor("flaky").Select(r => (r.From, r.To, r.Reason)).Last());
    }

    [Fact]
    public async Task Reload_ProgramsAdded_AutoStartOnesStartAndOthersWait()
    {
        await using var h = await Harness.StartAsync(Spec("web"));

        var result = await h.ReloadAsync(Spec("web"), Spec("api"), Spec("manual") with { AutoStart = false });

        Assert.Equal(["api", "manual"], result.Plan.Added);
        Assert.Equal(["api:0"], result.Started.Select(id => id.ToString()));
        Assert.Equal(InstanceState.Starting, h.State("api").State);
        Assert.Equal("config", h.RecordedFor("api").Single().Reason);
        Assert.Equal(InstanceState.Stopped, h.State("manual").State);
        Assert.Empty(h.RecordedFor("manual"));
        Assert.Equal(CommandStatus.Accepted, (await h.SendAsync(CommandKind.Start, "manual")).Status);
    }

    [Fact]
    public async Task Reload_OnlyInstancesUp_RunningInstancesKeptAndNewOnesStarted()
    {
        await using var h = await Harness.StartAsync(Spec("web") with { Instances = 2 });
        await h.AdvanceAsync(StartSeconds);
        var before = h.Supervisor.Snapshot("web")!;
        var records = h.Recorded.Count;

        var result = await h.ReloadAsync(Spec("web") with { Instances = 4 });

        Assert.Equal(["web"], result.Plan.Changed);
        Assert.Equal(["web:2", "web:3"], result.Started.Select(id => id.ToString()));
        Assert.Empty(result.Dropped);
        var after = h.Supervisor.Snapshot("web")!;
        Assert.Equal(before, after.Take(2));
        Assert.All(h.Launcher.Started.Take(2), p => Assert.Empty(p.Signals));
        Assert.Equal(
            [("web", 2, "config"), ("web", 3, "config")],
            h.Recorded.Skip(records).Select(r => (r.Program, r.Instance, r.Reason)));
        Assert.All(after.Skip(2), s => Assert.Equal(InstanceState.Starting, s.State));

        await h.AdvanceAsync(StartSeconds);
        Assert.All(h.Supervisor.Snapshot("web")!, s => Assert.Equal(InstanceState.Running, s.State));
    }

    [Fact]
    public async Task Reload_OnlyInstancesDown_ExtrasStoppedAndDroppedOthersUntouched()
    {
        await using var h = await Harness.StartAsync(Spec("web") with { Instances = 3 });
        await h.AdvanceAsync(StartSeconds);
        var first = h.State("web", 0);
        var records = h.RecordedFor("web", 0).Count;

        var result = await h.ReloadAsync(Spec("web") with { Instances = 1 });

        Assert.Equal(["web:1", "web:2"], result.Dropped.Select(id => id.ToString()));
        Assert.Empty(result.Started);
        Assert.Equal([first], h.Supervisor.Snapshot("web"));
        Assert.Equal(records, h.RecordedFor("web", 0).Count);
        Assert.Empty(h.Launcher.Last("web", 0).Signals);
        Assert.All([h.Launcher.Last("web", 1), h.Launcher.Last("web", 2)], p => Assert.True(p.MarkedGroupEnded));
        Assert.Equal((InstanceState.Stopping, InstanceState.Stopped, "config"), h.RecordedFor("web", 2).Select(r => (r.From, r.To, r.Reason)).Last());
        Assert.Null(h.Supervisor.PidOf("web", 2));
        Assert.Equal(CommandStatus.NotFound, (await h.SendAsync(CommandKind.Stop, "web:2")).Status);
    }

    [Fact]
    public async Task Reload_InstancesAndArgsChanged_EveryInstanceRestarts()
    {
        await using var h = await Harness.StartAsync(Spec("web") with { Instances = 2 });
        await h.AdvanceAsync(StartSeconds);
        var before = h.Supervisor.Snapshot("web")!;

        var result = await h.ReloadAsync(Spec("web") with { Instances = 3, Args = ["--new"] });

        Assert.Equal(["Args", "Instances"], result.Plan.ChangedFields["web"]);
        Assert.Equal(["web:0", "web:1", "web:2"], result.Started.Select(id => id.ToString()));
        var after = h.Supervisor.Snapshot("web")!;
        Assert.Equal(3, after.Count);
        Assert.All(after.Zip(before), pair => Assert.NotEqual(pair.Second.Pid, pair.First.Pid));
        Assert.All([0, 1, 2], i => Assert.Equal(["--new"], h.Launcher.Last("web", i).Spec.Args));
    }

    [Fact]
    public async Task Reload_ChangedProgramInBackoff_StartsWithTheNewSpecAndAFreshBudget()
    {
        await using var h = await Harness.StartAsync(
            [Spec("web") with { Command = "/bin/broken" }],
            h => h.Launcher.OnStart = p => { if (p.Spec.Command == "/bin/broken") { p.Exit(2); } });
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);
        Assert.Equal(2, h.Launcher.AttemptsOf("web"));

        await h.ReloadAsync(Spec("web"));

        Assert.Equal(
            [(InstanceState.Backoff, InstanceState.Stopped, "config"), (InstanceState.Stopped, InstanceState.Starting, "config")],
            h.RecordedFor("web").TakeLast(2).Select(r => (r.From, r.To, r.Reason)));
        Assert.Equal("/bin/web", h.Launcher.Last("web").Spec.Command);
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(InstanceState.Running, h.State("web").State);
        Assert.Equal(3, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Reload_FatalPrograms_ChangedOneStartsAgainUnchangedOneStaysFatal()
    {
        await using var h = await Harness.StartAsync(
            [Spec("fixed") with { Command = "/bin/broken", MaxRestarts = 0 }, Spec("hopeless") with { Command = "/bin/broken", MaxRestarts = 0 }],
            h => h.Launcher.OnStart = p => { if (p.Spec.Command == "/bin/broken") { p.Exit(2); } });
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Fatal, s.State));
        var hopeless = h.State("hopeless");

        var result = await h.ReloadAsync(Spec("fixed") with { MaxRestarts = 0 }, Spec("hopeless") with { Command = "/bin/broken", MaxRestarts = 0 });
        await h.AdvanceAsync(StartSeconds);

        Assert.Equal(["fixed"], result.Plan.Changed);
        Assert.Equal(InstanceState.Running, h.State("fixed").State);
        Assert.Contains(h.RecordedFor("fixed"), r => r is { From: InstanceState.Fatal, To: InstanceState.Stopped, Reason: "config" });
        Assert.Equal(hopeless, h.State("hopeless"));
        Assert.Equal(1, h.Launcher.AttemptsOf("hopeless"));
    }

    [Fact]
    public async Task Reload_ChangedProgramsNotRunning_StartedAgainOnlyWhenAutoStartOrWasUp()
    {
        await using var h = await Harness.StartAsync(
            Spec("auto"), Spec("idle") with { AutoStart = false }, Spec("manual") with { AutoStart = false });
        await h.AdvanceAsync(StartSeconds);
        await h.SendAsync(CommandKind.Stop, "auto");
        await h.SendAsync(CommandKind.Start, "manual");
        await h.AdvanceAsync(StartSeconds);
        var manualPid = h.State("manual").Pid;

        var result = await h.ReloadAsync(
            Spec("auto") with { Args = ["-v"] }, Spec("idle") with { AutoStart = false, Args = ["-v"] }, Spec("manual") with { AutoStart = false, Args = ["-v"] });

        // AutoStart: as a freshly started daemon would. Up before (started by an operator): started again.
        Assert.Equal(["auto:0", "manual:0"], result.Started.Select(id => id.ToString()));
        Assert.Equal(InstanceState.Starting, h.State("auto").State);
        Assert.Equal(InstanceState.Stopped, h.State("idle").State);
        Assert.Empty(h.RecordedFor("idle"));
        Assert.Equal(InstanceState.Starting, h.State("manual").State);
        Assert.NotEqual(manualPid, h.State("manual").Pid);
    }

    [Fact]
    public async Task Reload_DependencyAndDependentChanged_StopsDependentFirstStartsDependencyFirst()
    {
        var web = Spec("web") with { DependsOn = ["db"], StopTimeout = TimeSpan.FromSeconds(5) };
        await using var h = await Harness.StartAsync([web, Spec("db")], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = p.Spec.Owner.Name == "web");
        await h.AdvanceAsync(StartSeconds);
        await h.AdvanceAsync(StartSeconds);
        Assert.Equal(InstanceState.Running, h.State("web").State);
        var oldDb = h.Launcher.Last("db");

        var reload = h.Supervisor.ReloadAsync([web with { Args = ["-v"] }, Spec("db") with { Args = ["-v"] }], CancellationToken.None);
        await h.IdleAsync();
        Assert.Equal(InstanceState.Stopping, h.State("web").State);
        Assert.Empty(oldDb.Signals);

        await h.AdvanceAsync(web.StopTimeout);
        await reload.WaitAsync(Harness.Patience);

        var order = h.Recorded.Select(r => (r.Program, r.From, r.To)).ToList();
        Assert.True(
            order.IndexOf(("web", InstanceState.Stopping, InstanceState.Stopped)) < order.IndexOf(("db", InstanceState.Running, InstanceState.Stopping)),
            "web stopped before db began stopping");
        Assert.Equal(InstanceState.Starting, h.State("db").State);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal("dependency", h.State("web").Reason);
        var webLaunches = h.Launcher.AttemptsOf("web");

        await h.AdvanceAsync(StartSeconds);

        Assert.Equal(webLaunches + 1, h.Launcher.AttemptsOf("web"));
        Assert.Equal(["-v"], h.Launcher.Last("web").Spec.Args);
        Assert.Equal("config", h.RecordedFor("web")[^1].Reason);
    }

    [Fact]
    public async Task Reload_DependencyChangedDependentUnchanged_DependentKeepsRunning()
    {
        await using var h = await Harness.StartAsync(Spec("web") with { DependsOn = ["db"] }, Spec("db"));
        await h.AdvanceAsync(StartSeconds);
        await h.AdvanceAsync(StartSeconds);
        var web = h.State("web");
        var webRecords = h.RecordedFor("web").Count;

        await h.ReloadAsync(Spec("web") with { DependsOn = ["db"] }, Spec("db") with { Args = ["-v"] });
        await h.AdvanceAsync(StartSeconds);

        Assert.Equal(web, h.State("web"));
        Assert.Equal(webRecords, h.RecordedFor("web").Count);
        Assert.Equal(InstanceState.Running, h.State("db").State);
        Assert.Equal(["-v"], h.Launcher.Last("db").Spec.Args);
    }

    [Fact]
    public async Task Reload_CommandsAndASecondReloadMeanwhile_RetiringInstancesRefusedSecondReloadWaits()
    {
        var web = Spec("web") with { Args = ["v0"], StopTimeout = TimeSpan.FromSeconds(5) };
        await using var h = await Harness.StartAsync(
            [web, Spec("api")], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = p.Spec.Args is ["v0"]);
        await h.AdvanceAsync(StartSeconds);

        var first = h.Supervisor.ReloadAsync([web with { Args = ["v1"] }, Spec("api")], CancellationToken.None);
        await h.IdleAsync();
        var start = await h.SendAsync(CommandKind.Start, "web");
        var stopAll = await h.SendAsync(CommandKind.Stop, "all");
        var second = h.Supervisor.ReloadAsync([web with { Args = ["v2"] }, Spec("api"), Spec("extra")], CancellationToken.None);
        await h.IdleAsync();

        Assert.Equal(CommandStatus.Conflict, start.Status);
        Assert.Contains("web:0 is being stopped by a config reload", start.Message, StringComparison.Ordinal);
        Assert.Equal(["api:0"], stopAll.Instances);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Null(h.Supervisor.Snapshot("extra"));

        await h.AdvanceAsync(web.StopTimeout);
        var firstResult = await first.WaitAsync(Harness.Patience);
        var secondResult = await second.WaitAsync(Harness.Patience);

        Assert.Equal(["web"], firstResult.Plan.Changed);
        Assert.Equal(["web"], secondResult.Plan.Changed);
        Assert.Equal(["extra"], secondResult.Plan.Added);
        Assert.Equal(["Args"], secondResult.Plan.ChangedFields["web"]);
        Assert.Equal(["v2"], h.Launcher.Last("web").Spec.Args);
        Assert.Equal(["v1"], h.Launcher.Of("web")[^2].Spec.Args);
        Assert.Equal(InstanceState.Stopped, h.State("api").State);
        Assert.Equal(InstanceState.Starting, h.State("extra").State);
    }

    [Fact]
    public async Task Reload_DaemonStopsMeanwhile_ReloadRefusedAndNothingDropped()
    {
        var web = Spec("web") with { StopTimeout = TimeSpan.FromSeconds(5) };
        await using var h = await Harness.StartAsync([web, Spec("api")], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = p.Spec.Owner.Name == "web");
        await h.AdvanceAsync(StartSeconds);

        var reload = h.Supervisor.ReloadAsync([Spec("api")], CancellationToken.None);
        await h.IdleAsync();
        var stopAll = h.Supervisor.StopAllAsync(CancellationToken.None);
        await h.IdleAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => reload.WaitAsync(Harness.Patience));
        Assert.Contains("stopping every program", refused.Message, StringComparison.Ordinal);
        await h.AdvanceAsync(web.StopTimeout);
        await stopAll.WaitAsync(Harness.Patience);
        Assert.Equal(["api", "web"], h.Supervisor.Snapshot().Select(s => s.Program));
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Stopped, s.State));

        var late = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Supervisor.ReloadAsync([Spec("api")], CancellationToken.None).WaitAsync(Harness.Patience));
        Assert.Contains("stopping every program", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_SetWithACycle_RefusedAndNothingChanges()
    {
        await using var h = await Harness.StartAsync(Spec("a"), Spec("b"));
        await h.AdvanceAsync(StartSeconds);
        var records = h.Recorded.Count;

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => h.Supervisor.ReloadAsync([Spec("a") with { DependsOn = ["b"] }, Spec("b") with { DependsOn = ["a"] }], CancellationToken.None).WaitAsync(Harness.Patience));
        await h.IdleAsync();

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Equal(records, h.Recorded.Count);
        var next = await h.ReloadAsync(Spec("a"), Spec("b"), Spec("c"));
        Assert.Equal(["c"], next.Plan.Added);
    }

    [Fact]
    public async Task Reload_AddsTheFirstProgramWithAMemoryLimit_ItsMemoryIsWatched()
    {
        await using var h = await Harness.StartAsync(Spec("web"));

        await h.ReloadAsync(Spec("web"), Spec("hog") with { MemoryLimitMB = 100 });
        await h.AdvanceAsync(StartSeconds);
        h.Sampler.SetRss(h.State("hog").Pid!.Value, 200L * 1024 * 1024);
        await h.AdvanceAsync(TimeSpan.FromSeconds(2));

        Assert.Contains(h.RecordedFor("hog"), r => r is { To: InstanceState.Stopping, Reason: "memory" });
    }

    [Fact]
    public async Task Reload_HealthCheckAdded_NewSpecsProbeUsedAfterTheRestart()
    {
        var health = new HealthCheckSpec(HealthCheckKind.Tcp, "127.0.0.1:80{instance}", [], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, TimeSpan.Zero);
        await using var h = await Harness.StartAsync(Spec("web"));
        await h.AdvanceAsync(StartSeconds);
        Assert.Null(h.State("web").Healthy);

        await h.ReloadAsync(Spec("web") with { Health = health });
        await h.AdvanceAsync(StartSeconds);

        Assert.Equal("127.0.0.1:800", h.Probe.Calls[^1].Target);
        Assert.True(h.State("web").Healthy);
    }

    /// <summary>A program with fresh lists and maps on every call, as a second read of the config file gives.</summary>
    private static ProgramSpec Spec(string name) => Harness.Program(name) with
    {
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["MODE"] = "test" },
        SuccessExitCodes = [0],
    };
}
