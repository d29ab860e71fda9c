using Ops.Processes.Cgroups;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>Detection over fixture mount tables and /proc files, one per kind of host opsd meets.</summary>
public sealed class CgroupHostTests : IDisposable
{
    // This test machine's layout: a tmpfs with cgroup v1 controllers and a cgroup2 hierarchy without controllers.
    private const string HybridMountInfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    // Debian 12 under systemd: cgroup2 alone at /sys/fs/cgroup.
    private const string UnifiedMountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        26 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """;

    private readonly string _fs = Path.Combine(Path.GetTempPath(), "ops-cgroup-host-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Detect_HybridHost_TracksInCgroup2AndLimitsInV1()
    {
        Write("proc/self/mountinfo", HybridMountInfo);
        Write("proc/self/cgroup", "4:memory:/\n1:cpu:/\n0::/\n");
        Write("sys/fs/cgroup/unified/cgroup.controllers", "\n");
        foreach (string controller in (string[])["cpu", "cpuacct", "memory", "pids"])
        {
            Directory.CreateDirectory(Fs($"sys/fs/cgroup/{controller}"));
        }

        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Equal(CgroupMode.Hybrid, host.Mode);
        Assert.Equal(Fs("sys/fs/cgroup/unified"), host.V2Mount);
        Assert.Equal(Fs("sys/fs/cgroup/unified/opsd"), host.SubtreeRoot);
        Assert.False(host.IsDelegated);
        Assert.Equal(CgroupControllerSource.V1, host.SourceOf("memory"));
        Assert.Equal(CgroupControllerSource.V1, host.SourceOf("cpu"));
        Assert.Equal(CgroupControllerSource.V1, host.SourceOf("pids"));
        Assert.Equal(CgroupControllerSource.None, host.SourceOf("io"));
        Assert.Equal(Fs("sys/fs/cgroup/memory/opsd"), host.V1Roots["memory"]);
        Assert.False(host.V1Mounts.ContainsKey("name=systemd"));
        Assert.False(host.V1Mounts.ContainsKey("rw"));
    }

    [Fact]
    public void Detect_SystemdServiceWithDelegation_UsesItsOwnServiceCgroupWithEveryController()
    {
        Write("proc/self/mountinfo", UnifiedMountInfo);
        Write("proc/self/cgroup", "0::/system.slice/opsd.service\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.controllers", "cpu io memory pids\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.subtree_control", "\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.procs", "4242\n");

        CgroupHost host = CgroupHost.Detect(configuredRoot: "/sys/fs/cgroup/elsewhere", fsRoot: _fs);

        Assert.Equal(CgroupMode.Unified, host.Mode);
        Assert.True(host.IsDelegated, host.Reason);
        Assert.Equal(Fs("sys/fs/cgroup/system.slice/opsd.service"), host.SubtreeRoot);
        Assert.Equal(host.SubtreeRoot, host.ControllerTop);
        Assert.All(CgroupHost.LimitControllers, c => Assert.Equal(CgroupControllerSource.V2, host.SourceOf(c)));
        Assert.Empty(host.V1Roots);
    }

    [Fact]
    public void MoveSelfIntoDaemonLeaf_Delegated_WritesEveryProcessOfTheServiceCgroupIntoTheDaemonLeaf()
    {
        Write("proc/self/mountinfo", UnifiedMountInfo);
        Write("proc/self/cgroup", "0::/system.slice/opsd.service\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.controllers", "cpu io memory pids\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.subtree_control", "\n");
        Write("sys/fs/cgroup/system.slice/opsd.service/cgroup.procs", "4242\n");

        // A fixture cannot move a process: its daemon/cgroup.procs is a plain file that records what was written.
        Write("sys/fs/cgroup/system.slice/opsd.service/daemon/cgroup.procs", string.Empty);
        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        string? leaf = host.MoveSelfIntoDaemonLeaf();

        Assert.Equal(Fs("sys/fs/cgroup/system.slice/opsd.service/daemon"), leaf);
        Assert.Equal("4242", File.ReadAllText(Path.Combine(leaf!, "cgroup.procs")));
    }

    [Fact]
    public void MoveSelfIntoDaemonLeaf_NotDelegated_DoesNothing()
    {
        Write("proc/self/mountinfo", UnifiedMountInfo);
        Write("proc/self/cgroup", "0::/user.slice/session-1.scope\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");

        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Null(host.MoveSelfIntoDaemonLeaf());
        Assert.False(Directory.Exists(Fs("sys/fs/cgroup/opsd")));
    }

    [Fact]
    public void Detect_UnifiedHostOutsideSystemd_UsesTheConfiguredRootBelowTheMount()
    {
        Write("proc/self/mountinfo", UnifiedMountInfo);
        Write("proc/self/cgroup", "0::/user.slice/session-1.scope\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");

        CgroupHost host = CgroupHost.Detect(configuredRoot: "/sys/fs/cgroup/opsd-web1", fsRoot: _fs);

        Assert.Equal(CgroupMode.Unified, host.Mode);
        Assert.False(host.IsDelegated);
        Assert.Equal(Fs("sys/fs/cgroup/opsd-web1"), host.SubtreeRoot);
        Assert.Equal(Fs("sys/fs/cgroup"), host.ControllerTop);
        Assert.Equal(CgroupControllerSource.V2, host.SourceOf("memory"));
    }

    [Fact]
    public void Detect_ReadOnlyCgroup2_IsNoneNamingThePathAndWhy()
    {
        Write("proc/self/mountinfo", """
            500 400 0:50 / / rw,relatime - overlay overlay rw
            510 500 0:60 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro
            """);
        Write("proc/self/cgroup", "0::/\n");

        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Equal(CgroupMode.None, host.Mode);
        Assert.Contains(Fs("sys/fs/cgroup"), host.Reason, StringComparison.Ordinal);
        Assert.Contains("read-only", host.Reason, StringComparison.Ordinal);
        Assert.Null(host.SubtreeRoot);
    }

    [Fact]
    public void Detect_NoCgroupMounted_IsNoneNamingTheMountTable()
    {
        Write("proc/self/mountinfo", "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");

        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Equal(CgroupMode.None, host.Mode);
        Assert.Contains("no cgroup2 hierarchy is mounted", host.Reason, StringComparison.Ordinal);
        Assert.Contains(Fs("proc/self/mountinfo"), host.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_NoMountTable_IsNoneNamingIt()
    {
        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Equal(CgroupMode.None, host.Mode);
        Assert.Contains(Fs("proc/self/mountinfo"), host.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ConfiguredRootOutsideTheMount_IsNone()
    {
        Write("proc/self/mountinfo", UnifiedMountInfo);
        Write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");

        CgroupHost host = CgroupHost.Detect(configuredRoot: "/tmp/opsd", fsRoot: _fs);

        Assert.Equal(CgroupMode.None, host.Mode);
        Assert.Contains("not below the cgroup2 mount", host.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_MountPointWithEscapedSpace_IsUnescaped()
    {
        Write("proc/self/mountinfo", "41 31 0:38 / /cg\\040two rw,relatime - cgroup2 cgroup2 rw\n");
        Write("cg two/cgroup.controllers", "memory cpu pids io\n");

        CgroupHost host = CgroupHost.Detect(fsRoot: _fs);

        Assert.Equal(Fs("cg two"), host.V2Mount);
        Assert.Equal(CgroupMode.Unified, host.Mode);
    }

    [CgroupFact]
    public void Detect_ThisHost_HybridWhenCgroup2LacksTheControllersThatV1Mounts()
    {
        CgroupHost host = CgroupHost.Detect();
        bool v1Memory = host.V1Mounts.ContainsKey("memory");
        bool v2Memory = host.V2Controllers.Contains("memory");

        Assert.NotEqual(CgroupMode.None, host.Mode);
        Assert.Equal(!v2Memory && v1Memory ? CgroupMode.Hybrid : CgroupMode.Unified, host.Mode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_fs))
        {
            Directory.Delete(_fs, recursive: true);
        }
    }

    private string Fs(string relative) => Path.Combine(_fs, relative);

    private void Write(string relative, string text)
    {
        string path = Fs(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
