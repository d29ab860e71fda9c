using Ops.Processes.Sampling;
using Ops.Processes.Tests.Support;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Sampling;

public sealed class ProcFsTreeSamplerTests : IDisposable
{
    private const long Megabyte = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Sample_ChildAllocating100MB_ReportsAtLeast100MB()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--alloc-mb", "100", "--print-pid", "--forever"));
        Assert.True(await Eventually.TrueAsync(() => process.Tail(OutputStream.Stdout, 1).Count == 1, Timeout));

        IReadOnlyDictionary<int, long> rss = new ProcFsTreeSampler().SampleRssBytes([process.Pid]);

        Assert.InRange(rss[process.Pid], 100 * Megabyte, 400 * Megabyte);
        process.Kill();
        await process.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Sample_TreeWithGrandchildren_SumsTheWholeGroup()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--alloc-mb", "60", "--grandchildren", "1", "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        _sandbox.TrackPids(pids);

        IReadOnlyDictionary<int, long> rss = new ProcFsTreeSampler().SampleRssBytes([process.Pid, 999_999_999]);

        Assert.InRange(rss[process.Pid], 120 * Megabyte, 800 * Megabyte);
        Assert.False(rss.ContainsKey(999_999_999));
        Assert.Equal(pids.Order(), ProcessTable.ListGroup(process.Pid).Order());
        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        Assert.Empty(new ProcFsTreeSampler().SampleRssBytes([process.Pid]));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData("1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 5000000 321 18446744073709551615", "sleep")]
    [InlineData("1234 (we ird) (name)) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 5000000 321 18446744073709551615", "odd")]
    [InlineData("1234 () S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 -2 -5 1 0 98765 5000000 321 0 0", "empty")]
    public void TryParse_CommandNameWithSpacesAndParentheses_ReadsFieldsAfterLastParenthesis(string line, string _)
    {
        Assert.True(ProcessTable.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out ProcessStat stat));

        Assert.Equal(new ProcessStat(1234, 'S', 1, 1234, 1234, 98765, 321) { Flags = 4194560 }, stat);
        Assert.False(stat.IsKernelThread);
        Assert.False(stat.IsExiting);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234 (sleep")]
    [InlineData("1234 (sleep) S 1 1234")]
    [InlineData("x (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 5000000 321 0")]
    public void TryParse_MalformedLine_ReturnsFalse(string line)
    {
        Assert.False(ProcessTable.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out _));
    }

    [Fact]
    public void TryRead_OwnProcess_MatchesEnvironment()
    {
        Assert.True(ProcessTable.TryRead(Environment.ProcessId, out ProcessStat stat));

        Assert.Equal(Environment.ProcessId, stat.Pid);
        Assert.True(stat.RssPages > 0);
        Assert.True(stat.StartTime > 0);
    }
}
