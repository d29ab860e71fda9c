using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Supervising;

public class SupervisorMemoryTests
{
    private const long MB = 1024 * 1024;

    [Fact]
    public async Task Memory_OverLimit_RestartsWithReasonMemory()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { MemoryLimitMB = 100 }, Harness.Program("free"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = h.Launcher.Last("web");
        h.Sampler.SetRss(first.Pid, 101 * MB);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var sampled = Assert.Single(h.Sampler.Calls);
        Assert.Equal([first.Pid], sampled);
        var records = h.RecordedFor("web");
        Assert.Equal((InstanceState.Running, InstanceState.Stopping, "memory"), (records[^2].From, records[^2].To, records[^2].Reason));
        Assert.Equal((InstanceState.Stopping, InstanceState.Backoff, "memory"), (records[^1].From, records[^1].To, records[^1].Reason));

        await h.AdvanceAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, h.Launcher.AttemptsOf("web"));
        Assert.Equal(1, h.State("web").Restarts);
    }

    [Fact]
    public async Task Memory_AtLimit_NothingHappens()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web") with { MemoryLimitMB = 100 });
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        h.Sampler.SetRss(h.Launcher.Last("web").Pid, 100 * MB);

        for (var i = 0; i < 5; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(5, h.Sampler.Calls.Count);
        Assert.Equal(InstanceState.Running, h.State("web").State);
    }

    [Fact]
    public async Task Memory_NoRunningLimitedInstance_SamplerNotCalled()
    {
        await using var h = await Harness.StartAsync(
            Harness.Program("web") with { MemoryLimitMB = 100, StartSeconds = TimeSpan.FromMinutes(1) }, Harness.Program("free"));

        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(h.Sampler.Calls);
    }

    [Fact]
    public async Task Memory_NoProgramWithLimit_NoTimerAtAll()
    {
        await using var h = await Harness.StartAsync(Harness.Program("web"));

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Empty(h.Sampler.Calls);
    }
}
