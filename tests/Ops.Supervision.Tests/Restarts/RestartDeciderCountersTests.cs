using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Restarts;

/// <summary>The counters <see cref="RestartDecider.Decide"/> returns and <see cref="RestartDecider.Reset"/> gives.</summary>
public class RestartDeciderCountersTests
{
    private static readonly TimeSpan Now = TimeSpan.FromHours(1);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    private static readonly IRandomSource NoJitter = new FixedRandomSource(0.5);

    [Fact]
    public void Decide_Restart_NextCountsTheFailureRecordsNowAndForgetsWhatLeftTheWindow()
    {
        var counters = new RestartCounters(2, [Now - TimeSpan.FromMinutes(20), Now - TimeSpan.FromMinutes(5)]);

        var (decision, next) = RestartDecider.Decide(
            Rules(RestartPolicy.Always), RestartTrigger.FromExit(ProcessExit.Exited(1), true), counters, Now, NoJitter);

        Assert.IsType<RestartDecision.Restart>(decision);
        Assert.Equal(3, next.ConsecutiveFailures);
        Assert.Equal([Now - TimeSpan.FromMinutes(5), Now], next.RecentRestarts);
    }

    [Fact]
    public void Decide_GiveUp_NextCountsTheFailureWithoutRecordingARestart()
    {
        var counters = new RestartCounters(3, [Now - TimeSpan.FromMinutes(1)]);

        var (decision, next) = RestartDecider.Decide(
            Rules(RestartPolicy.OnFailure), RestartTrigger.FromExit(ProcessExit.Exited(3), false), counters, Now, NoJitter);

        Assert.IsType<RestartDecision.GiveUp>(decision);
        Assert.Equal(4, next.ConsecutiveFailures);
        Assert.Equal([Now - TimeSpan.FromMinutes(1)], next.RecentRestarts);
    }

    [Fact]
    public void Decide_Done_KeepsTheStreakAndPrunesTheWindow()
    {
        var counters = new RestartCounters(1, [Now - TimeSpan.FromMinutes(11), Now - TimeSpan.FromMinutes(1)]);

        var (decision, next) = RestartDecider.Decide(
            Rules(RestartPolicy.Never), RestartTrigger.FromExit(ProcessExit.Exited(0), true), counters, Now, NoJitter);

        Assert.IsType<RestartDecision.Done>(decision);
        Assert.Equal(1, next.ConsecutiveFailures);
        Assert.Equal([Now - TimeSpan.FromMinutes(1)], next.RecentRestarts);
    }

    [Fact]
    public void Decide_RestartExactlyOneWindowOld_IsForgotten()
    {
        var counters = new RestartCounters(0, [Now - Window, Now - Window + TimeSpan.FromTicks(1)]);

        var (_, next) = RestartDecider.Decide(
            Rules(RestartPolicy.Always), RestartTrigger.Condemned("health"), counters, Now, NoJitter);

        Assert.Equal(1, next.ConsecutiveFailures);
        Assert.Equal([Now - Window + TimeSpan.FromTicks(1), Now], next.RecentRestarts);
    }

    [Fact]
    public void Decide_CountersPassedIn_AreNotChanged()
    {
        TimeSpan[] recent = [Now - TimeSpan.FromMinutes(20)];
        var counters = new RestartCounters(2, recent);

        _ = RestartDecider.Decide(Rules(RestartPolicy.Always), RestartTrigger.Condemned("memory"), counters, Now, NoJitter);

        Assert.Equal(2, counters.ConsecutiveFailures);
        Assert.Equal([Now - TimeSpan.FromMinutes(20)], counters.RecentRestarts);
    }

    [Fact]
    public void Reset_ReachedRunning_EndsTheStreakButKeepsTheWindow()
    {
        var counters = new RestartCounters(4, [Now - TimeSpan.FromMinutes(2), Now - TimeSpan.FromMinutes(1)]);

        var next = RestartDecider.Reset(counters, BudgetReset.ReachedRunning);

        Assert.Equal(0, next.ConsecutiveFailures);
        Assert.Equal([Now - TimeSpan.FromMinutes(2), Now - TimeSpan.FromMinutes(1)], next.RecentRestarts);
    }

    [Theory]
    [InlineData(BudgetReset.Operator)]
    [InlineData(BudgetReset.FatalRetry)]
    [InlineData(BudgetReset.NewSpec)]
    public void Reset_NewBudget_ForgetsEverything(BudgetReset reset)
    {
        var counters = new RestartCounters(4, [Now - TimeSpan.FromMinutes(1)]);

        var next = RestartDecider.Reset(counters, reset);

        Assert.Equal(0, next.ConsecutiveFailures);
        Assert.Empty(next.RecentRestarts);
    }

    private static RestartRules Rules(RestartPolicy policy) =>
        new(policy, [0], 3, Window, BackoffPolicy.Default);
}
