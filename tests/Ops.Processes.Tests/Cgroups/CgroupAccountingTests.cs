using Ops.Processes.Cgroups;
using Xunit.Abstractions;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>What a leaf reports it used, against what its processes are known to have used.</summary>
public sealed class CgroupAccountingTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;
    private readonly Lazy<CgroupSandbox> _sandbox = new(() => new CgroupSandbox());

    public CgroupAccountingTests(ITestOutputHelper output) => _output = output;

    private CgroupSandbox Sandbox => _sandbox.Value;

    [CgroupFact]
    public async Task ReadUsage_ChildBurningOneSecondOfCpu_ReportsOneSecondWithinATenth()
    {
        CgroupLeaf leaf = Sandbox.Tree.TaskLeaf("burn", 0);

        // perl's times() gives the process's own user and system CPU: spin, looking now and then (each look is a
        // system call, itself CPU time), until together they reach one second, then exit.
        var shell = Sandbox.Start(leaf, "exec perl -e 'for (;;) { for (my $i = 0; $i < 20000; $i++) {} my @t = times; last if $t[0] + $t[1] >= 1.0 }'");
        Assert.True(shell.WaitForExit(30_000), "the burner ended");
        Assert.Equal(0, shell.ExitCode);
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));

        double cpu = leaf.ReadUsage().CpuSeconds ?? double.NaN;
        _output.WriteLine($"cpu.stat: {cpu:0.000} s");
        Assert.InRange(cpu, 0.9, 1.1);
    }

    [CgroupFact]
    public async Task ReadUsage_LivingProcesses_ReportsMemoryProcessesAndPressure()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 0);
        _ = Sandbox.Start(leaf, "setsid sleep 1234.5 & exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.Pids().Count == 2, Long, "both sleeps in the leaf");

        CgroupUsage usage = leaf.ReadUsage();

        Assert.Equal(2, usage.Processes);
        Assert.True(usage.MemoryBytes > 0, "memory charged to the leaf");
        Assert.True(usage.MemoryPeakBytes >= usage.MemoryBytes, "the peak is at least the current figure");
        Assert.Equal(0, usage.OomKills);
        Assert.NotNull(usage.CpuSeconds);
        Assert.NotNull(usage.CpuPressure);
        Assert.NotNull(usage.MemoryPressure);
        _output.WriteLine($"{usage}");
        leaf.Kill();
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));
    }

    [Fact]
    public void ParsePressure_SomeAndFullLines_ReadsEveryFigure()
    {
        CgroupPressure? pressure = CgroupLeaf.ParsePressure("""
            some avg10=1.50 avg60=0.25 avg300=0.05 total=123456
            full avg10=0.75 avg60=0.10 avg300=0.01 total=6543
            """);

        Assert.Equal(new CgroupPressure(1.5, 0.25, 0.05, TimeSpan.FromMicroseconds(123456), 0.75, 0.10, 0.01, TimeSpan.FromMicroseconds(6543)), pressure);
    }

    [Fact]
    public void ParsePressure_CpuWithoutFullLine_LeavesFullNull()
    {
        CgroupPressure? pressure = CgroupLeaf.ParsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");

        Assert.NotNull(pressure);
        Assert.Equal(TimeSpan.FromMicroseconds(7), pressure.SomeTotal);
        Assert.Null(pressure.FullAvg10);
        Assert.Null(pressure.FullTotal);
    }

    public void Dispose()
    {
        if (_sandbox.IsValueCreated)
        {
            _sandbox.Value.Dispose();
        }
    }
}
