using Ops.Supervision.Os;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorHealthTests
{
    /// <summary>Probe every second after a 5 s grace; 3 failures in a row restart.</summary>
    private static readonly HealthCheckSpec Check = new(
        HealthCheckKind.Http, "http://127.0.0.1:80{instance}/{program}", [], TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 3, TimeSpan.FromSeconds(5));

    private static ProgramSpec Web => Harness.Program("web") with { Health = Check };

    [Fact]
    public async Task Health_BeforeStartGrace_NoProbe()
    {
        await using var h = await Harness.StartAsync(Web);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, h.State("web").State);

        await h.AdvanceAsync(TimeSpan.FromSeconds(5) - Harness.Tick);
        Assert.Empty(h.Probe.Calls);
        Assert.Null(h.State("web").Healthy);
        await h.AdvanceAsync(Harness.Tick);

        Assert.Single(h.Probe.Calls);
        Assert.True(h.State("web").Healthy);
    }

    [Fact]
    public async Task Health_FailuresReachThreshold_RestartsWithReasonHealth()
    {
        await using var h = await Harness.StartAsync([Web], h => h.Probe.AlwaysUnhealthy("HTTP 503"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = h.Launcher.Last("web");
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, h.Probe.Calls.Count);
        Assert.Equal(InstanceState.Running, h.State("web").State);
        Assert.False(h.State("web").Healthy);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal([15], first.Signals);
        var records = h.RecordedFor("web");
        Assert.Equal((InstanceState.Running, InstanceState.Stopping, "health"), (records[^2].From, records[^2].To, records[^2].Reason));
        Assert.Equal((InstanceState.Stopping, InstanceState.Backoff, "health"), (records[^1].From, records[^1].To, records[^1].Reason));
        Assert.Equal(TimeSpan.FromMilliseconds(100), records[^1].Delay);

        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100) - Harness.Tick);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
        await h.AdvanceAsync(Harness.Tick);

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(1, h.State("web").Restarts);
        Assert.Null(h.State("web").Healthy);
    }

    [Fact]
    public async Task Health_SuccessBetweenFailures_ResetsTheCount()
    {
        var answers = new Queue<bool>([false, false, true, false, false]);
        await using var h = await Harness.StartAsync(
            [Web], h => h.Probe.Answer = _ => Task.FromResult(new HealthResult(answers.Count == 0 || answers.Dequeue(), "x")));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));

        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(5, h.Probe.Calls.Count);
        Assert.Equal(InstanceState.Running, h.State("web").State);
        Assert.Equal(1, h.Launcher.AttemptsOf("web"));
    }

    [Fact]
    public async Task Health_SlowProbe_OnlyOneInFlight()
    {
        var pending = new TaskCompletionSource<HealthResult>();
        await using var h = await Harness.StartAsync([Web], h => h.Probe.Answer = _ => pending.Task);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));

        for (var i = 0; i < 5; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        Assert.Single(h.Probe.Calls);

        await h.ActAsync(() => pending.SetResult(new HealthResult(true, "ok")));
        h.Probe.AlwaysHealthy();
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(2, h.Probe.Calls.Count);
        Assert.True(h.State("web").Healthy);
    }

    [Fact]
    public async Task Health_ThrowingProbe_CountsAsFailureAndLoopKeepsGoing()
    {
        await using var h = await Harness.StartAsync([Web], h => h.Probe.Answer = _ => throw new InvalidOperationException("probe bug"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.False(h.State("web").Healthy);
        Assert.Contains(h.Logger.Entries, e => e.Message.Contains("probe bug", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_Placeholders_ExpandedPerInstance()
    {
        await using var h = await Harness.StartAsync(Web with { Instances = 2 });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(
            ["http://127.0.0.1:800/web", "http://127.0.0.1:801/web"],
            h.Probe.Calls.Select(c => c.Target).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Health_NoStartGrace_ProbesAsSoonAsRunning()
    {
        await using var h = await Harness.StartAsync(Web with { Health = Check with { StartGrace = TimeSpan.Zero } });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1) - Harness.Tick);
        Assert.Empty(h.Probe.Calls);

        await h.AdvanceAsync(Harness.Tick);

        Assert.Single(h.Probe.Calls);
    }
}
