using System.Diagnostics;
using System.Globalization;
using Ops.Processes.Native;
using Ops.Processes.Output;
using Ops.Processes.Tests.Support;
using Ops.Supervision;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Processes.Tests.Output;

public sealed class InstanceOutputTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Output_LinesOfBothStreams_ReachTailAndFiles()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--print-pid", "--stderr", "oops", "--flood", "3", "--line-bytes", "20"));
        await process.Exited.WaitAsync(Timeout);

        string[] expectedOut = [$"pid {process.Pid}", "0000000001 xxxxxxxx", "0000000002 xxxxxxxx", "0000000003 xxxxxxxx"];
        Assert.Equal(expectedOut, process.Tail(OutputStream.Stdout, 10));
        Assert.Equal(["oops"], process.Tail(OutputStream.Stderr, 10));
        Assert.Equal(expectedOut, _sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stdout, 10).Select(l => l.Text));
        Assert.All(_sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stdout, 10), l => Assert.Equal(process.Pid, l.Pid));
        Assert.True(await Eventually.TrueAsync(() => FileLines("web-0.out.log").Length == 4, Timeout));
        Assert.Equal(expectedOut, FileLines("web-0.out.log"));
        Assert.Equal(["oops"], FileLines("web-0.err.log"));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Output_InstanceRestarted_TailSpansRunsButProcessTailIsItsOwn()
    {
        IRunningProcess first = _sandbox.Start(Worker.Spec("web", "--stderr", "first run"));
        await first.Exited.WaitAsync(Timeout);
        IRunningProcess second = _sandbox.Start(Worker.Spec("web", "--stderr", "second run"));
        await second.Exited.WaitAsync(Timeout);

        Assert.Equal(["first run", "second run"], _sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stderr, 10).Select(l => l.Text));
        Assert.Equal(["second run"], second.Tail(OutputStream.Stderr, 10));
        Assert.Equal(["first run", "second run"], FileLines("web-0.err.log"));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Output_FileReachesMaxFileBytes_RotatesAndKeepsMaxFiles()
    {
        // 2000 lines of 100 bytes = 200 KB through 20 KB files: many rotations, 3 files kept.
        var spec = Worker.Spec("web", "--flood", "2000", "--line-bytes", "100") with { Log = new LogSpec(20_000, 3) };
        IRunningProcess process = _sandbox.Start(spec);
        await process.Exited.WaitAsync(Timeout);

        string current = _sandbox.Output.GetLogFilePath(new InstanceId("web", 0), OutputStream.Stdout);
        string[] files = [.. Directory.GetFiles(_sandbox.Options.LogDirectory, "web-0.out.log*").Order(StringComparer.Ordinal)];
        Assert.Equal([current, current + ".1", current + ".2"], files);
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, 20_000));

        // Newest lines in the current file, the ones just before in .1: nothing lost between them.
        string[] newest = await File.ReadAllLinesAsync(current);
        string[] previous = await File.ReadAllLinesAsync(current + ".1");
        Assert.StartsWith("0000002000 ", newest[^1], StringComparison.Ordinal);
        Assert.Equal(LineNumber(previous[^1]) + 1, LineNumber(newest[0]));
        Assert.Equal(200, previous.Length);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Output_ChildFloodsForever_DoesNotDelayAnotherChildsExit()
    {
        IRunningProcess flood = _sandbox.Start(Worker.Spec("flood", "--flood", "0", "--line-bytes", "200"));
        IRunningProcess quiet = _sandbox.Start(Worker.Spec("quiet", "--print-pid", "--forever"));
        Assert.True(await Eventually.TrueAsync(() => quiet.Tail(OutputStream.Stdout, 1).Count == 1, Timeout));
        Assert.True(await Eventually.TrueAsync(() => _sandbox.Output.Tail(new InstanceId("flood", 0), OutputStream.Stdout, 1).Count == 1, Timeout));

        var clock = Stopwatch.StartNew();
        quiet.Kill();
        await quiet.Exited.WaitAsync(Timeout);
        clock.Stop();

        // Generous for a loaded 2-core machine; a pump or reaper blocked by the flood would never deliver it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"exit took {clock.Elapsed.TotalMilliseconds} ms to arrive");
        Assert.False(flood.Exited.IsCompleted);
        flood.Kill();
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await flood.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Pumps_ManyIdleChildren_HoldNoThreadAndStarveNoPool()
    {
        // 40 idle pipes: a blocking read per pipe would pin 40 pool threads and starve the pool for many seconds.
        int threadsBefore = ThreadPool.ThreadCount;
        var children = new List<IRunningProcess>();
        for (int i = 0; i < 20; i++)
        {
            children.Add(_sandbox.Start(Worker.Command($"idle{i}", "sleep", "30")));
        }

        // A read per pipe on the pool would leave ~40 work items queued behind the few pool threads for seconds,
        // and the pool would grow for them while it waits.
        await Observe.NothingWithinAsync(TimeSpan.FromMilliseconds(200), () => ThreadPool.ThreadCount - threadsBefore >= 10, "the pool grew by 10 threads for 20 idle children");
        bool poolIdle = await Eventually.TrueAsync(() => ThreadPool.PendingWorkItemCount == 0, TimeSpan.FromSeconds(2));

        Assert.True(poolIdle, $"{ThreadPool.PendingWorkItemCount} pool work items still waiting for a thread");
        Assert.True(ThreadPool.ThreadCount - threadsBefore < 10, $"pool grew from {threadsBefore} to {ThreadPool.ThreadCount} threads");
        children.ForEach(child => child.Kill());
        await Task.WhenAll(children.Select(child => child.Exited)).WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Subscribe_SubscriberNeverReads_DropsAndCountsWithoutSlowingChild()
    {
        using OutputSubscription stalled = _sandbox.Output.Subscribe(OutputFilter.All, capacity: 10);
        using OutputSubscription other = _sandbox.Output.Subscribe(new OutputFilter(new InstanceId("other", 0)), capacity: 10);

        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--flood", "5000", "--line-bytes", "50"));
        await process.Exited.WaitAsync(Timeout);

        Assert.Equal(5000 - 10, stalled.Dropped);
        Assert.Equal(0, other.Dropped);
        Assert.Equal(10, stalled.Lines.Count);
        Assert.True(stalled.Lines.TryRead(out OutputLine? firstKept));
        Assert.Equal("0000000001", firstKept.Text[..10]);
        Assert.Equal(5000, await LineCountAsync(_sandbox.Output.GetLogFilePath(new InstanceId("web", 0), OutputStream.Stdout)));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Follow_BacklogThenLiveLines_NoGapAndNoDuplicate()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--flood", "20000", "--line-bytes", "30"));
        Assert.True(await Eventually.TrueAsync(() => _sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stdout, 1).Count == 1, Timeout));

        using OutputSubscription follow = _sandbox.Output.Follow(new InstanceId("web", 0), OutputStream.Stdout, backlog: 5, capacity: 100_000);
        await process.Exited.WaitAsync(Timeout);
        follow.Dispose();

        var numbers = follow.Backlog.Select(l => LineNumber(l.Text)).ToList();
        await foreach (OutputLine line in follow.Lines.ReadAllAsync())
        {
            numbers.Add(LineNumber(line.Text));
        }

        Assert.InRange(follow.Backlog.Count, 1, 5);
        Assert.Equal(Enumerable.Range(numbers[0], 20000 - numbers[0] + 1), numbers);
        Assert.Equal(0, follow.Dropped);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public void Follow_InstanceNeverRan_StartsEmpty()
    {
        using OutputSubscription follow = _sandbox.Output.Follow(new InstanceId("idle", 3), OutputStream.Stderr, backlog: 100);

        Assert.Empty(follow.Backlog);
        Assert.False(follow.Lines.TryRead(out _));
    }

    private string[] FileLines(string name)
    {
        string path = Path.Combine(_sandbox.Options.LogDirectory, name);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private static int LineNumber(string line) => int.Parse(line.AsSpan(0, 10), CultureInfo.InvariantCulture);

    private static async Task<int> LineCountAsync(string path) => (await File.ReadAllLinesAsync(path)).Length;
}
