using Ops.Processes.Native;
using Ops.Processes.Stopping;
using Ops.Processes.Tests.Support;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Stopping;

public class StopSequenceTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task RunAsync_GoneWithinTheGrace_GoneAfterSignalWithoutSigkill()
    {
        var target = new ScriptedStopTarget(signals => signals.Contains(LinuxConstants.SIGTERM));

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, Grace, CancellationToken.None);

        Assert.Equal(StopOutcome.GoneAfterSignal, outcome);
        Assert.Equal([LinuxConstants.SIGTERM], target.Signals);
        Assert.Equal([Grace], target.Waits);
    }

    [Fact]
    public async Task RunAsync_SignalIgnored_SigkillAfterTheGraceThenGone()
    {
        var target = new ScriptedStopTarget(signals => signals.Contains(LinuxConstants.SIGKILL));

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(5), CancellationToken.None);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.Equal([LinuxConstants.SIGTERM, LinuxConstants.SIGKILL], target.Signals);
        Assert.Equal([TimeSpan.FromMilliseconds(5), StopSequence.KillWait], target.Waits);
    }

    [Fact]
    public async Task RunAsync_ZeroGrace_NoGracefulSignalOnlySigkill()
    {
        var target = new ScriptedStopTarget(signals => signals.Contains(LinuxConstants.SIGKILL));

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.Equal([LinuxConstants.SIGKILL], target.Signals);
    }

    [Fact]
    public async Task RunAsync_ZeroGraceAndNothingLeft_SendsNothing()
    {
        var target = new ScriptedStopTarget(_ => true);

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(StopOutcome.GoneAfterSignal, outcome);
        Assert.Empty(target.Signals);
    }

    [Fact]
    public async Task RunAsync_ForcedDuringTheGrace_KillsAtOnceAndAwaitsTheKill()
    {
        var target = new ScriptedStopTarget(signals => signals.Contains(LinuxConstants.SIGKILL));
        using var force = new CancellationTokenSource();
        await force.CancelAsync();

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.FromHours(1), force.Token);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.Equal([LinuxConstants.SIGKILL], target.Signals);
    }

    [Fact]
    public async Task RunAsync_ForcedWhileWaitingOutTheGrace_GraceEndsAndTheKillFollows()
    {
        var target = new BlockingUntilForced();
        using var force = new CancellationTokenSource();

        Task<StopOutcome> stop = StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.FromHours(1), force.Token);
        Assert.False(stop.IsCompleted);
        await force.CancelAsync();
        StopOutcome outcome = await stop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.Equal([LinuxConstants.SIGTERM, LinuxConstants.SIGKILL], target.Signals);
    }

    [Fact]
    public async Task RunAsync_SurvivesEverySigkill_ReportedWithItsPidsAfterTheBoundedRounds()
    {
        var target = new ScriptedStopTarget(_ => false) { Left = [31, 47] };

        StopOutcome outcome = await StopSequence.RunAsync(target, LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(5), CancellationToken.None);

        Assert.Equal(StopEnding.SurvivorsLeft, outcome.Ending);
        Assert.Equal([31, 47], outcome.Survivors);
        Assert.False(outcome.Gone);
        Assert.Equal(StopSequence.KillRounds, target.Signals.Count(s => s == LinuxConstants.SIGKILL));
    }
}
