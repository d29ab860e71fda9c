using Ops.Supervision.Specs;
using Ops.Supervision.Supervising;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorCommandTests
{
    [Fact]
    public async Task Send_UnknownProgram_NotFoundNamingIt()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));

        var result = await h.SendAsync(CommandKind.Start, "ghost");

        Assert.Equal(CommandStatus.NotFound, result.Status);
        Assert.Contains("'ghost'", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Instances);
    }

    [Theory]
    [InlineData("web:2")]
    [InlineData("web:-1")]
    [InlineData("web:x")]
    [InlineData("web:")]
    [InlineData("web:+1")]
    [InlineData("web: 1")]
    [InlineData("web:2147483648")]
    [InlineData("web:\u0661")]
    public async Task Send_UnknownInstance_NotFoundWithTheValidRange(string target)
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 });

        var result = await h.SendAsync(CommandKind.Stop, target);

        Assert.Equal(CommandStatus.NotFound, result.Status);
        Assert.Contains("web:0 to web:1", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_SeveralColons_NotFoundNamingTheTextBeforeTheLast()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));

        var result = await h.SendAsync(CommandKind.Stop, "web:0:0");

        Assert.Equal(CommandStatus.NotFound, result.Status);
        Assert.Equal("no program named 'web:0'", result.Message);
    }

    [Fact]
    public async Task Send_InstanceWithLeadingZeros_ActsOnThatInstance()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var result = await h.SendAsync(CommandKind.Stop, "web:01");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(["web:1"], result.Instances);
    }

    [Fact]
    public async Task Send_StartOfRunningInstance_ConflictNamingInstanceAndState()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var result = await h.SendAsync(CommandKind.Start, "web:0");

        Assert.Equal(CommandStatus.Conflict, result.Status);
        Assert.Contains("web:0 is already Running", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_StopOfStoppedInstance_Conflict()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { AutoStart = false });

        var result = await h.SendAsync(CommandKind.Stop, "web");

        Assert.Equal(CommandStatus.Conflict, result.Status);
        Assert.Contains("web:0 is already Stopped", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_OneInstance_ActsOnThatInstanceOnly()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 3 });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var result = await h.SendAsync(CommandKind.Stop, "web:1");

        Assert.Equal(["web:1"], result.Instances);
        Assert.Equal(
            [InstanceState.Running, InstanceState.Stopped, InstanceState.Running],
            h.Supervisor.Snapshot("web")!.Select(s => s.State));
    }

    [Fact]
    public async Task Send_All_StopsEveryInstanceOfEveryProgram()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 }, Harness.Program("api"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var result = await h.SendAsync(CommandKind.Stop, "all");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(["api:0", "web:0", "web:1"], result.Instances);
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Stopped, s.State));
    }

    [Fact]
    public async Task Send_ProgramPartlyRunning_StartsTheOthersAndSaysWhichWereSkipped()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.SendAsync(CommandKind.Stop, "web:1");

        var result = await h.SendAsync(CommandKind.Start, "web");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(["web:1"], result.Instances);
        Assert.Contains("web:0 is already Running", result.Message, StringComparison.Ordinal);
        Assert.Equal(2, h.Launcher.AttemptsOf("web", 1));
        Assert.Equal(1, h.Launcher.AttemptsOf("web", 0));
    }

    [Fact]
    public async Task Send_StartOfFatal_LaunchesWithAFreshBudget()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web") with { MaxRestarts = 1 }], h => h.Launcher.OnStart = p => p.Exit(2));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(InstanceState.Fatal, h.State("web").State);

        var result = await h.SendAsync(CommandKind.Start, "web");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(3, h.Launcher.AttemptsOf("web"));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);
        Assert.Equal(TimeSpan.FromMilliseconds(100), h.RecordedFor("web")[^1].Delay);
        Assert.Contains(h.RecordedFor("web"), r => r is { From: InstanceState.Fatal, To: InstanceState.Starting, Reason: "operator" });
    }

    [Fact]
    public async Task Send_StartOfBackoff_LaunchesAtOnce()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.Exit(2));
        Assert.Equal(InstanceState.Backoff, h.State("web").State);

        await h.SendAsync(CommandKind.Start, "web");

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(h.Launcher.Attempts[0].At, h.Launcher.Attempts[1].At);
    }

    [Fact]
    public async Task Send_StopOfExitedAndFatal_Stopped()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("done") with { Restart = RestartPolicy.Never }, Harness.Program("broken") with { MaxRestarts = 0 }],
            h => h.Launcher.OnStart = p => { if (p.Spec.Owner.Name == "broken") { p.Exit(1); } });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.ActAsync(() => h.Launcher.Last("done").Exit(0));
        Assert.Equal(InstanceState.Exited, h.State("done").State);
        Assert.Equal(InstanceState.Fatal, h.State("broken").State);

        var result = await h.SendAsync(CommandKind.Stop, "all");

        Assert.Equal(["broken:0", "done:0"], result.Instances);
        Assert.All(h.Supervisor.Snapshot(), s => Assert.Equal(InstanceState.Stopped, s.State));
    }

    [Fact]
    public async Task Send_RestartOfStopped_JustStarts()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { AutoStart = false });

        var result = await h.SendAsync(CommandKind.Restart, "web");

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Send_StopDuringRestart_EndsStopped()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web")], h => h.Launcher.OnStart = p => p.IgnoreStopSignal = true);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        await h.SendAsync(CommandKind.Restart, "web");
        var stop = await h.SendAsync(CommandKind.Stop, "web");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CommandStatus.Accepted, stop.Status);
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Send_BeforeRunAsync_AnsweredOnceTheLoopRuns()
    {
        var launcher = new FakeLauncher(TimeProvider.System);
        await using var supervisor = new Supervisor(
            [Harness.Program("web") with { AutoStart = false }], launcher, new FakeSampler(), new FakeProbe(),
            TimeProvider.System, new FixedRandomSource(), new ListLogger<Supervisor>());
        var pending = supervisor.SendAsync(CommandKind.Start, "web", CancellationToken.None);
        Assert.False(pending.IsCompleted);

        using var stop = new CancellationTokenSource();
        var run = supervisor.RunAsync(stop.Token);
        var result = await pending.WaitAsync(Harness.Patience);
        await stop.CancelAsync();
        await run.WaitAsync(Harness.Patience);

        Assert.Equal(CommandStatus.Accepted, result.Status);
        Assert.Equal(1, launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Send_AfterTheLoopEnded_Throws()
    {
        var supervisor = new Supervisor(
            [Harness.Program("web")], new FakeLauncher(TimeProvider.System), new FakeSampler(), new FakeProbe(),
            TimeProvider.System, new FixedRandomSource(), new ListLogger<Supervisor>());
        using var stop = new CancellationTokenSource();
        var run = supervisor.RunAsync(stop.Token);
        await stop.CancelAsync();
        await run.WaitAsync(Harness.Patience);

        await Assert.ThrowsAsync<InvalidOperationException>(() => supervisor.SendAsync(CommandKind.Start, "web", CancellationToken.None));
        await supervisor.DisposeAsync();
    }
}
