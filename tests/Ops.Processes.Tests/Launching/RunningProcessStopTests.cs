using System.Diagnostics;
using Ops.Processes.Native;
using Ops.Processes.Sampling;
using Ops.Processes.Tests.Support;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Launching;

/// <summary>The edge's one stop, <see cref="IRunningProcess.StopAsync"/>, against real processes.</summary>
public sealed class RunningProcessStopTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task StopAsync_ChildObeysSignal_GoneAfterSignal()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--pid-file", pidFile, "--forever"));
        await Eventually.PidsAsync(pidFile, 1, Timeout);

        var clock = Stopwatch.StartNew();
        StopOutcome outcome = await process.StopAsync(LinuxConstants.SIGTERM, Timeout, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StopEnding.GoneAfterSignal, outcome.Ending);
        Assert.Empty(outcome.Survivors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"an obedient child took {clock.Elapsed} to stop");
        Assert.True(process.GroupIsEmpty());
        Assert.NotEqual(ProcessExit.Killed(LinuxConstants.SIGKILL), await process.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task StopAsync_ChildIgnoresTerm_KilledAfterTheGrace()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--ignore-term", "--pid-file", pidFile, "--forever"));
        await Eventually.PidsAsync(pidFile, 1, Timeout);
        TimeSpan grace = TimeSpan.FromMilliseconds(500);

        var clock = Stopwatch.StartNew();
        StopOutcome outcome = await process.StopAsync(LinuxConstants.SIGTERM, grace, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.True(clock.Elapsed >= grace, $"killed after {clock.Elapsed}, before the grace of {grace} was over");
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await process.Exited.WaitAsync(Timeout));
        Assert.True(process.GroupIsEmpty());
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData(false, StopEnding.GoneAfterSignal)]
    [InlineData(true, StopEnding.GoneAfterKill)]
    public async Task StopAsync_GrandchildLeftTheSession_StoppedWithTheLaunch(bool ignoreTerm, StopEnding expected)
    {
        string pidFile = _sandbox.PathFor("pids");
        string[] args = ignoreTerm
            ? ["--ignore-term", "--escape", "session", "--pid-file", pidFile, "--forever"]
            : ["--escape", "session", "--pid-file", pidFile, "--forever"];
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", args));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        int escaped = Assert.Single(pids, pid => pid != process.Pid);
        _sandbox.TrackPids([escaped]);
        Assert.True(ProcessTable.TryRead(escaped, out ProcessStat stat) && stat.GroupId != process.Pid, $"pid {escaped} is still in group {process.Pid}");

        StopOutcome outcome = await process.StopAsync(LinuxConstants.SIGTERM, TimeSpan.FromSeconds(ignoreTerm ? 1 : 10), CancellationToken.None)
            .WaitAsync(Timeout + Timeout);

        Assert.Equal(expected, outcome.Ending);
        await AssertGoneAsync(escaped);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task StopAsync_ForceCancelled_GraceEndsEarlyAndTheKillIsAwaited()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--ignore-term", "--grandchildren", "1", "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        _sandbox.TrackPids(pids);
        using var force = new CancellationTokenSource();

        var clock = Stopwatch.StartNew();
        Task<StopOutcome> stop = process.StopAsync(LinuxConstants.SIGTERM, TimeSpan.FromMinutes(5), force.Token);
        await Task.Delay(200);
        Assert.False(stop.IsCompleted, "the stop ended before it was forced");
        await force.CancelAsync();
        StopOutcome outcome = await stop.WaitAsync(Timeout);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        Assert.True(clock.Elapsed < Timeout, $"a forced stop took {clock.Elapsed}");
        foreach (int pid in pids)
        {
            await AssertGoneAsync(pid);
        }

        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task StopAsync_ZeroGraceAfterTheLeaderExited_KillsWhatItLeft()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Command(
            "web", "/bin/sh", "-c", $"setsid -f sh -c 'trap \"\" TERM; echo $$ >> {pidFile}; exec sleep 30'; echo $$ >> {pidFile}"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        await process.Exited.WaitAsync(Timeout);
        int escaped = Assert.Single(pids, pid => pid != process.Pid);
        _sandbox.TrackPids([escaped]);

        StopOutcome outcome = await process.StopAsync(LinuxConstants.SIGTERM, TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StopEnding.GoneAfterKill, outcome.Ending);
        await AssertGoneAsync(escaped);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task StopAsync_NothingLeft_GoneAfterSignalWithoutSignalling()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--exit", "0"));
        await process.Exited.WaitAsync(Timeout);

        StopOutcome outcome = await process.StopAsync(LinuxConstants.SIGTERM, TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StopEnding.GoneAfterSignal, outcome.Ending);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    /// <summary>
    /// A process that is exiting has already lost what the token sweep reads, while /proc still shows it for a moment
    /// before it becomes a zombie: it runs no code any more, so it counts as gone within a short, stated window.
    /// </summary>
    private static async Task AssertGoneAsync(int pid) =>
        Assert.True(await Eventually.TrueAsync(() => !ProcessTable.IsAlive(pid), TimeSpan.FromSeconds(2)), $"pid {pid} outlived the stop");
}
