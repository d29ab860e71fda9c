using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Restarts;

public class RestartDeciderTests
{
    private static readonly TimeSpan Now = TimeSpan.FromHours(1);
    private static readonly IRandomSource NoJitter = new FixedRandomSource(0.5);

    public static TheoryData<RestartPolicy, string, bool, string> Table => new()
    {
        // A failed start (exit before StartSeconds) is retried whatever the policy and however it ended.
        { RestartPolicy.Never, "exit 0", false, "Restart" },
        { RestartPolicy.Never, "exit 3", false, "Restart" },
        { RestartPolicy.Never, "signal 9", false, "Restart" },
        { RestartPolicy.OnFailure, "exit 0", false, "Restart" },
        { RestartPolicy.OnFailure, "exit 3", false, "Restart" },
        { RestartPolicy.OnFailure, "signal 9", false, "Restart" },
        { RestartPolicy.Always, "exit 0", false, "Restart" },
        { RestartPolicy.Always, "exit 3", false, "Restart" },
        { RestartPolicy.Always, "signal 9", false, "Restart" },

        // After a successful start the policy decides.
        { RestartPolicy.Never, "exit 0", true, "Done" },
        { RestartPolicy.Never, "exit 3", true, "Done" },
        { RestartPolicy.Never, "signal 9", true, "Done" },
        { RestartPolicy.OnFailure, "exit 0", true, "Done" },
        { RestartPolicy.OnFailure, "exit 3", true, "Restart" },
        { RestartPolicy.OnFailure, "signal 9", true, "Restart" },
        { RestartPolicy.Always, "exit 0", true, "Restart" },
        { RestartPolicy.Always, "exit 3", true, "Restart" },
        { RestartPolicy.Always, "signal 9", true, "Restart" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_PolicyExitAndReachedRunning_GivesDecisionWithExitAsReason(
        RestartPolicy policy, string exit, bool reachedRunning, string expected)
    {
        var processExit = exit == "signal 9" ? ProcessExit.Killed(9) : ProcessExit.Exited(int.Parse(exit[5..], System.Globalization.CultureInfo.InvariantCulture));

        var decision = RestartDecider.Decide(
            Rules(policy), RestartTrigger.FromExit(processExit, reachedRunning), RestartCounters.None, Now, NoJitter).Decision;

        Assert.Equal(expected, decision.GetType().Name);
        Assert.Equal(exit, decision.Reason);
    }

    [Fact]
    public void Decide_OnFailureWithCustomSuccessCodes_ExitInListIsDone()
    {
        var rules = Rules(RestartPolicy.OnFailure) with { SuccessExitCodes = [0, 2] };

        var decision = RestartDecider.Decide(rules, RestartTrigger.FromExit(ProcessExit.Exited(2), true), RestartCounters.None, Now, NoJitter).Decision;

        Assert.IsType<RestartDecision.Done>(decision);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    public void Decide_FailedStart_DelayGrowsWithConsecutiveFailures(int failuresSoFar, int expectedMs)
    {
        var counters = new RestartCounters(failuresSoFar, []);

        var decision = RestartDecider.Decide(
            Rules(RestartPolicy.OnFailure), RestartTrigger.FromExit(ProcessExit.Exited(3), false), counters, Now, NoJitter).Decision;

        var restart = Assert.IsType<RestartDecision.Restart>(decision);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), restart.Delay);
    }

    [Fact]
    public void Decide_FailedStartBeyondMaxRestarts_GivesUpNamingTheStreak()
    {
        var counters = new RestartCounters(3, []);

        var decision = RestartDecider.Decide(
            Rules(RestartPolicy.OnFailure), RestartTrigger.FromExit(ProcessExit.Exited(3), false), counters, Now, NoJitter).Decision;

        var giveUp = Assert.IsType<RestartDecision.GiveUp>(decision);
        Assert.Equal("exit 3: 4 failed starts in a row (MaxRestarts 3)", giveUp.Reason);
    }

    [Fact]
    public void Decide_RunningProcessKilledAfterReset_WaitsFirstDelay()
    {
        var decision = RestartDecider.Decide(
            Rules(RestartPolicy.OnFailure), RestartTrigger.FromExit(ProcessExit.Killed(9), true), RestartCounters.None, Now, NoJitter).Decision;

        var restart = Assert.IsType<RestartDecision.Restart>(decision);
        Assert.Equal(TimeSpan.FromMilliseconds(100), restart.Delay);
        Assert.Equal("signal 9", restart.Reason);
    }

    [Fact]
    public void Decide_MaxRestartsAlreadyInsideWindow_GivesUpNamingTheWindow()
    {
        var rules = Rules(RestartPolicy.Always) with { MaxRestarts = 5 };
        var recent = new[] { 1, 2, 3, 4, 5 }.Select(m => Now - TimeSpan.FromMinutes(m)).ToArray();

        var decision = RestartDecider.Decide(
            rules, RestartTrigger.FromExit(ProcessExit.Killed(9), true), new RestartCounters(0, recent), Now, NoJitter).Decision;

        var giveUp = Assert.IsType<RestartDecision.GiveUp>(decision);
        Assert.Equal("signal 9: 6 restarts within 00:10:00 (MaxRestarts 5)", giveUp.Reason);
    }

    [Fact]
    public void Decide_OldRestartsOutsideWindow_AreForgotten()
    {
        var rules = Rules(RestartPolicy.Always) with { MaxRestarts = 5 };
        var recent = new[] { 10, 11, 12, 13, 30 }.Select(m => Now - TimeSpan.FromMinutes(m)).ToArray();

        var decision = RestartDecider.Decide(
            rules, RestartTrigger.FromExit(ProcessExit.Killed(9), true), new RestartCounters(0, recent), Now, NoJitter).Decision;

        Assert.IsType<RestartDecision.Restart>(decision);
    }

    [Fact]
    public void Decide_FailedStartsStreakUnderMaxButWindowFull_GivesUpOnWindow()
    {
        var rules = Rules(RestartPolicy.OnFailure) with { MaxRestarts = 2 };
        var recent = new[] { Now - TimeSpan.FromSeconds(2), Now - TimeSpan.FromSeconds(1) };

        var decision = RestartDecider.Decide(
            rules, RestartTrigger.FromExit(ProcessExit.Exited(1), false), new RestartCounters(1, recent), Now, NoJitter).Decision;

        var giveUp = Assert.IsType<RestartDecision.GiveUp>(decision);
        Assert.Equal("exit 1: 3 restarts within 00:10:00 (MaxRestarts 2)", giveUp.Reason);
    }

    [Theory]
    [InlineData(RestartPolicy.Never)]
    [InlineData(RestartPolicy.OnFailure)]
    [InlineData(RestartPolicy.Always)]
    public void Decide_Condemned_RestartsWhateverThePolicy(RestartPolicy policy)
    {
        var decision = RestartDecider.Decide(Rules(policy), RestartTrigger.Condemned("health"), RestartCounters.None, Now, NoJitter).Decision;

        var restart = Assert.IsType<RestartDecision.Restart>(decision);
        Assert.Equal("health", restart.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), restart.Delay);
    }

    [Fact]
    public void Decide_LaunchFailure_IsAFailedStartWithTheMessageAsReason()
    {
        var decision = RestartDecider.Decide(
            Rules(RestartPolicy.Never), RestartTrigger.FromLaunchFailure("web:0: command not found"), RestartCounters.None, Now, NoJitter).Decision;

        var restart = Assert.IsType<RestartDecision.Restart>(decision);
        Assert.Equal("web:0: command not found", restart.Reason);
    }

    [Fact]
    public void Decide_ZeroMaxRestarts_GivesUpAtOnce()
    {
        var rules = Rules(RestartPolicy.Always) with { MaxRestarts = 0 };

        var decision = RestartDecider.Decide(rules, RestartTrigger.FromExit(ProcessExit.Exited(1), true), RestartCounters.None, Now, NoJitter).Decision;

        Assert.IsType<RestartDecision.GiveUp>(decision);
    }

    private static RestartRules Rules(RestartPolicy policy) =>
        new(policy, [0], 3, TimeSpan.FromMinutes(10), BackoffPolicy.Default);
}
