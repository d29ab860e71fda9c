using Microsoft.Extensions.Logging;
using Ops.Supervision.Specs;
using Ops.Supervision.Supervising;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorObservabilityTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task History_AfterACrashAndRestart_NewestFirstWithReasons()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.ActAsync(() => h.Launcher.Last("web").Exit(3));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));

        var history = h.Supervisor.History("web")!;

        Assert.Equal(
            [
                (InstanceState.Backoff, InstanceState.Starting, "restart"),
                (InstanceState.Running, InstanceState.Backoff, "exit 3"),
                (InstanceState.Starting, InstanceState.Running, "started"),
                (InstanceState.Stopped, InstanceState.Starting, "autostart"),
            ],
            history.Select(r => (r.From, r.To, r.Reason)));
        Assert.Equal([T0.AddSeconds(1.1), T0.AddSeconds(1), T0.AddSeconds(1), T0], history.Select(r => r.At));
        Assert.Equal(3, history[1].ExitCode);
    }

    [Fact]
    public async Task History_SeveralInstances_MergedNewestFirst()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 });
        await h.SendAsync(CommandKind.Stop, "web:1");

        var history = h.Supervisor.History("web")!;

        Assert.Equal([1, 1, 1, 0], history.Select(r => r.Instance));
        Assert.Equal(InstanceState.Stopped, history[0].To);
    }

    [Fact]
    public async Task History_Bounded_KeepsHistoryPerInstance()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web") with { MaxRestarts = 100 }],
            h => h.Launcher.OnStart = p => p.Exit(1),
            new SupervisorOptions { HistoryPerInstance = 5 });

        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(5, h.Supervisor.History("web")!.Count);
    }

    [Fact]
    public async Task Lookups_UnknownProgram_Null()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));

        Assert.Null(h.Supervisor.History("ghost"));
        Assert.Null(h.Supervisor.Snapshot("ghost"));
        Assert.Null(h.Supervisor.PidOf("ghost", 0));
        Assert.Null(h.Supervisor.PidOf("web", 7));
    }

    [Fact]
    public async Task Snapshot_OrderedByProgramThenInstance()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Instances = 2 }, Harness.Program("api"));

        Assert.Equal(["api:0", "web:0", "web:1"], h.Supervisor.Snapshot().Select(s => s.Id.ToString()));
    }

    [Fact]
    public async Task PidOf_RunningThenExited()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { Restart = RestartPolicy.Never });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(h.Launcher.Last("web").Pid, h.Supervisor.PidOf("web", 0));

        await h.ActAsync(() => h.Launcher.Last("web").Exit(0));

        Assert.Null(h.Supervisor.PidOf("web", 0));
        Assert.Equal(0, h.State("web").LastExitCode);
    }

    [Fact]
    public async Task TransitionRecorded_HandlerThrows_LoggedAndSupervisionContinues()
    {
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h => h.Supervisor.TransitionRecorded += (_, _) => throw new InvalidOperationException("observer down"));

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(InstanceState.Running, h.State("web").State);
        Assert.Equal(2, h.Recorded.Count);
        Assert.Equal(2, h.Logger.Entries.Count(e => e.Level == LogLevel.Error && e.Exception?.Message == "observer down"));
    }

    [Fact]
    public async Task TransitionRecorded_SeesTheNewStateInSnapshot()
    {
        var seen = new List<InstanceState>();
        Harness? harness = null;
        await using var h = await Harness.StartAsync(
            [Harness.Program("web")],
            h =>
            {
                harness = h;
                h.Supervisor.TransitionRecorded += (_, r) => seen.Add(harness!.Supervisor.Snapshot("web")![0].State);
            });

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal([InstanceState.Starting, InstanceState.Running], seen);
    }

    [Fact]
    public async Task SinceLastLoopTurn_IdleLoop_HeartbeatKeepsItUnderTheInterval()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { AutoStart = false });

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, h.Supervisor.SinceLastLoopTurn);
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(700));

        Assert.Equal(TimeSpan.FromMilliseconds(700), h.Supervisor.SinceLastLoopTurn);
    }

    [Fact]
    public async Task Logging_TransitionsUseStableProperties_FatalIsError()
    {
        await using var h = await Harness.StartAsync([Harness.Program("web") with { MaxRestarts = 0 }], h => h.Launcher.OnStart = p => p.Exit(4));

        var fatal = Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error);

        Assert.Equal("web:0 Starting -> Fatal (exit 4: 1 failed starts in a row (MaxRestarts 0))", fatal.Message);
    }

    [Fact]
    public async Task RunAsync_CalledTwice_Throws()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));

        Assert.Throws<InvalidOperationException>(() => { _ = h.Supervisor.RunAsync(CancellationToken.None); });
    }
}
