using Ops.Supervision.Specs;
using Ops.Supervision.Supervising;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorDependencyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly HealthCheckSpec Health = new(
        HealthCheckKind.Http, "http://127.0.0.1:5432/", [], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(2));

    [Fact]
    public async Task DependsOn_DependencyStarting_DependentLaunchedOnlyOnceItRuns()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { DependsOn = ["db"] }, Harness.Program("db"));
        Assert.Equal(["db"], h.Launcher.Attempts.Select(a => a.Spec.Owner.Name));
        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal("dependency", h.State("web").Reason);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1) - Harness.Tick);
        Assert.Equal(0, h.Launcher.AttemptsOf("web"));
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Equal(T0.AddSeconds(1), h.Launcher.Attempts.Single(a => a.Spec.Owner.Name == "web").At);
        Assert.Equal("autostart", h.RecordedFor("web")[0].Reason);
    }

    [Fact]
    public async Task DependsOn_DependencyWithHealthCheck_DependentWaitsUntilItIsHealthy()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web") with { DependsOn = ["db"] }, Harness.Program("db") with { Health = Health }],
            h => h.Probe.AlwaysUnhealthy());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, h.State("db").State);
        Assert.Null(h.State("db").Healthy);
        await h.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.False(h.State("db").Healthy);
        Assert.Equal(0, h.Launcher.AttemptsOf("web"));

        h.Probe.AlwaysHealthy();
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.True(h.State("db").Healthy);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task DependsOn_WaitingThroughManyEvents_LoggedOnce()
    {
        await using var h = await Harness.StartAsync(
            Harness.Program("web") with { DependsOn = ["db"] },
            Harness.Program("db") with { StartSeconds = TimeSpan.FromSeconds(30) });

        for (var i = 0; i < 10; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        Assert.Single(h.Logger.Entries, e => e.EventId.Id == 2 && e.Message.StartsWith("web:0", StringComparison.Ordinal));
        Assert.DoesNotContain(h.RecordedFor("web"), r => r.Reason == "dependency");
    }

    [Fact]
    public async Task DependsOn_OperatorStartWhileDependencyStopped_WaitsThenStartsWithIt()
    {
        await using var h = await Harness.StartAsync(
            Harness.Program("web") with { DependsOn = ["db"], AutoStart = false },
            Harness.Program("db") with { AutoStart = false });

        var start = await h.SendAsync(CommandKind.Start, "web");
        var again = await h.SendAsync(CommandKind.Start, "web");
        Assert.Equal(CommandStatus.Accepted, start.Status);
        Assert.Equal(CommandStatus.Conflict, again.Status);
        Assert.Contains("waiting for db", again.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Launcher.AttemptsOf("web"));

        await h.SendAsync(CommandKind.Start, "db");
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Equal("operator", h.RecordedFor("web")[0].Reason);
    }

    [Fact]
    public async Task DependsOn_OperatorStopOfWaitingInstance_CancelsTheWait()
    {
        await using var h = await Harness.StartAsync(
            Harness.Program("web") with { DependsOn = ["db"] },
            Harness.Program("db") with { AutoStart = false });

        var stop = await h.SendAsync(CommandKind.Stop, "web");
        await h.SendAsync(CommandKind.Start, "db");
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(CommandStatus.Accepted, stop.Status);
        Assert.Equal(0, h.Launcher.AttemptsOf("web"));
        Assert.Equal("operator", h.State("web").Reason);
    }

    [Fact]
    public async Task DependsOn_DependentCrashesWhileDependencyDown_WaitsAsStoppedThenRestarts()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { DependsOn = ["db"] }, Harness.Program("db"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, h.State("web").State);

        await h.ActAsync(() => h.Launcher.Last("db").Crash(9));
        await h.ActAsync(() => h.Launcher.Last("web").Crash(9));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal(InstanceState.Stopped, h.State("web").State);
        Assert.Equal("dependency", h.State("web").Reason);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(InstanceState.Running, h.State("db").State);
        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(1, h.State("web").Restarts);
    }

    [Fact]
    public void Constructor_DependencyCycle_ThrowsNamingTheCycle()
    {
        var error = Assert.Throws<ArgumentException>(() => new Supervisor(
            [Harness.Program("a") with { DependsOn = ["b"] }, Harness.Program("b") with { DependsOn = ["a"] }],
            new FakeLauncher(TimeProvider.System),
            new FakeSampler(),
            new FakeProbe(),
            TimeProvider.System,
            new FixedRandomSource(),
            new ListLogger<Supervisor>()));

        Assert.Contains("a -> b -> a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DuplicateProgram_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Supervisor(
            [Harness.Program("a"), Harness.Program("a")],
            new FakeLauncher(TimeProvider.System),
            new FakeSampler(),
            new FakeProbe(),
            TimeProvider.System,
            new FixedRandomSource(),
            new ListLogger<Supervisor>()));
    }

    [Fact]
    public async Task DependsOn_UnknownProgram_IgnoredAndWarned()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { DependsOn = ["ghost"] });

        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        Assert.Contains(h.Logger.Entries, e => e.Message.Contains("ghost", StringComparison.Ordinal));
    }
}
