using System.Diagnostics;
using Ops.Processes.Cgroups;
using Xunit.Abstractions;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>Limits on real cgroups of this host: enforced where a controller exists, and saying why not where none does.</summary>
public sealed class CgroupLimitsTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;
    private readonly Lazy<CgroupSandbox> _sandbox = new(() => new CgroupSandbox());

    public CgroupLimitsTests(ITestOutputHelper output) => _output = output;

    private CgroupSandbox Sandbox => _sandbox.Value;

    [CgroupFact]
    public async Task SetMemoryMax_ChildAllocatingPastIt_IsOomKilledAndCounted()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("hog", 0);
        CgroupLimitResult limit = leaf.SetMemoryMax(64L * 1024 * 1024);
        Assert.True(limit.Enforced, limit.Reason);

        // tail keeps the endless "line" of /dev/zero in memory until the OOM killer ends it.
        Process shell = Sandbox.Start(leaf, "exec tail /dev/zero");
        Assert.True(shell.WaitForExit(30_000), "tail ended");

        Assert.Equal(128 + 9, shell.ExitCode);
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));
        CgroupUsage usage = leaf.ReadUsage();
        Assert.Equal(1, usage.OomKills);
        Assert.InRange(usage.MemoryPeakBytes ?? 0, 32L * 1024 * 1024, 64L * 1024 * 1024);
        _output.WriteLine($"peak {usage.MemoryPeakBytes} bytes, {usage.OomKills} OOM kill(s)");
    }

    [CgroupFact]
    public async Task SetTasksMax_Fifty_TheFiftyFirstForkFails()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("forker", 0);
        CgroupLimitResult limit = leaf.SetTasksMax(50);
        Assert.True(limit.Enforced, limit.Reason);

        // The shell is process 1 of 50; it starts sleeps until a fork fails (then sh gives up with an error). Its
        // errors go to a file: a pipe would stay open in the 49 sleeps.
        string errors = Sandbox.TempFile("stderr");
        Process shell = Sandbox.Start(leaf, $"exec 2>'{errors}'; i=1; while [ $i -le 60 ]; do sleep 1234.9 & i=$((i+1)); done; exec sleep 1234.8");
        Assert.True(shell.WaitForExit(30_000), "the shell gave up when a fork failed");
        string error = await File.ReadAllTextAsync(errors);
        File.Delete(errors);

        Assert.NotEqual(0, shell.ExitCode);
        Assert.Contains("fork", error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(49, leaf.Pids().Count);
        Assert.Equal(49, leaf.ReadUsage().Processes);
        leaf.Kill();
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));
    }

    [CgroupFact]
    public async Task SetCpuQuota_TwentyPercent_BusyLoopUsesAtMostAQuarterOfACore()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("spin", 0);
        CgroupLimitResult limit = leaf.SetCpuQuota(20);
        Assert.True(limit.Enforced, limit.Reason);
        if (leaf.V1Paths.TryGetValue("cpu", out string? v1Cpu))
        {
            Assert.Equal("20000", File.ReadAllText(Path.Combine(v1Cpu, "cpu.cfs_quota_us")).Trim());
            Assert.Equal("100000", File.ReadAllText(Path.Combine(v1Cpu, "cpu.cfs_period_us")).Trim());
        }

        var clock = Stopwatch.StartNew();
        _ = Sandbox.Start(leaf, "exec perl -e '1 while 1'");
        await Observe.UntilAsync(() => leaf.IsPopulated, Long, "the busy loop in the leaf");
        await Task.Delay(TimeSpan.FromSeconds(2));
        double cpu = leaf.ReadUsage().CpuSeconds ?? double.NaN;
        TimeSpan wall = clock.Elapsed;
        leaf.Kill();
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));

        _output.WriteLine($"{cpu:0.000} s CPU in {wall.TotalSeconds:0.000} s");
        Assert.InRange(cpu, 0.05, 0.25 * wall.TotalSeconds);
    }

    [CgroupFact]
    public void SetIoWeightAndMemoryHigh_WithoutCgroup2Controllers_SayWhyNotEnforced()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 0);
        CgroupLimitResult io = leaf.SetIoWeight(200);
        CgroupLimitResult high = leaf.SetMemoryHigh(256L * 1024 * 1024);

        if (Sandbox.Host.SourceOf("io") == CgroupControllerSource.V2)
        {
            Assert.True(io.Enforced, io.Reason);
        }
        else
        {
            Assert.False(io.Enforced);
            Assert.Contains("IoWeight cannot be enforced: the io controller is not available", io.Reason, StringComparison.Ordinal);
        }

        if (Sandbox.Host.SourceOf("memory") == CgroupControllerSource.V1)
        {
            Assert.False(high.Enforced);
            Assert.Contains("cgroup v1 has no equivalent of MemoryHigh", high.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(high.Enforced, high.Reason);
        }
    }

    [CgroupFact]
    public void SetMemoryMax_LeafRemoved_SaysTheKernelsReason()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 5);
        Assert.True(leaf.Remove());

        CgroupLimitResult limit = leaf.SetMemoryMax(64L * 1024 * 1024);

        Assert.False(limit.Enforced);
        Assert.Contains("No such file or directory", limit.Reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_sandbox.IsValueCreated)
        {
            _sandbox.Value.Dispose();
        }
    }
}
