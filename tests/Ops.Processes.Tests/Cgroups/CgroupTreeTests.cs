using Ops.Processes.Cgroups;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>opsd's subtree on real cgroups: its folders, leaf names, v1 mirrors and the populated leaves an orphan scan finds.</summary>
public sealed class CgroupTreeTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly Lazy<CgroupSandbox> _sandbox = new(() => new CgroupSandbox());

    private CgroupSandbox Sandbox => _sandbox.Value;

    [CgroupFact]
    public void Ensure_OnThisHost_CreatesProgramsAndTasksInEveryHierarchyUsed()
    {
        Assert.Empty(Sandbox.EnsureProblems);
        Assert.True(Directory.Exists(Path.Combine(Sandbox.Root, CgroupTree.ProgramsFolder)));
        Assert.True(Directory.Exists(Path.Combine(Sandbox.Root, CgroupTree.TasksFolder)));
        foreach (string v1Root in Sandbox.Host.V1Roots.Values)
        {
            Assert.True(Directory.Exists(Path.Combine(v1Root, CgroupTree.ProgramsFolder)), v1Root);
            Assert.True(Directory.Exists(Path.Combine(v1Root, CgroupTree.V1TasksFolder)), v1Root);
        }
    }

    [CgroupFact]
    public void ProgramLeaf_InHybridMode_CreatesTheCgroup2LeafAndItsV1Mirrors()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 4);

        Assert.Equal(Path.Combine("programs", "web", "4"), leaf.RelativePath);
        Assert.True(File.Exists(Path.Combine(leaf.Path, "cgroup.events")));
        if (Sandbox.Host.Mode == CgroupMode.Hybrid)
        {
            Assert.Equal(["cpu", "memory", "pids"], leaf.V1Paths.Keys.Order(StringComparer.Ordinal));
            Assert.All(leaf.V1Paths.Values, path => Assert.True(File.Exists(Path.Combine(path, "cgroup.procs")), path));
            Assert.Equal(1 + leaf.V1Paths.Count, leaf.ProcsPaths.Count);
        }
    }

    [CgroupFact]
    public void TaskLeaf_InV1_SitsInTaskRunsBecauseEveryV1CgroupHasATasksFile()
    {
        CgroupLeaf leaf = Sandbox.Tree.TaskLeaf("backup", 0);

        Assert.Equal(Path.Combine(Sandbox.Root, "tasks", "backup", "0"), leaf.Path);
        Assert.All(leaf.V1Paths.Values, path => Assert.EndsWith(Path.Combine("task-runs", "backup", "0"), path, StringComparison.Ordinal));
        Assert.All(leaf.V1Paths.Values, path => Assert.True(Directory.Exists(path), path));
    }

    [CgroupTheory]
    [InlineData("Web")]
    [InlineData("-web")]
    [InlineData("_web")]
    [InlineData("we b")]
    [InlineData("../web")]
    [InlineData("web/0")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("wéb")]
    public void ProgramLeaf_NameOutsideTheAllowedSet_IsRefusedAndCreatesNothing(string name)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => Sandbox.Tree.ProgramLeaf(name, 0));

        Assert.Contains("[a-z0-9][a-z0-9_-]*", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(Sandbox.Root, CgroupTree.ProgramsFolder)));
        Assert.Throws<ArgumentException>(() => Sandbox.Tree.TaskLeaf(name, 0));
    }

    [CgroupFact]
    public void ProgramLeaf_NegativeInstance_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sandbox.Tree.ProgramLeaf("web", -1));

    [CgroupFact]
    public async Task PopulatedLeaves_OneLivingProgramAndTaskAndOneEmptyLeaf_ListsTheLivingOnly()
    {
        CgroupLeaf living = Sandbox.Tree.ProgramLeaf("web", 0);
        CgroupLeaf empty = Sandbox.Tree.ProgramLeaf("web", 1);
        CgroupLeaf task = Sandbox.Tree.TaskLeaf("backup-db", 3);
        _ = Sandbox.Start(living, "setsid sleep 1234.5 & exec sleep 1234.6");
        _ = Sandbox.Start(task, "exec sleep 1234.6");
        await Observe.UntilAsync(() => living.Pids().Count == 2 && task.IsPopulated, Long, "the program's and the task's sleeps in their leaves");

        // A second tree over the same root stands for the next daemon after one that died.
        var nextDaemon = new CgroupTree(CgroupHost.Detect(Sandbox.Root));
        IReadOnlyList<CgroupLeaf> populated = nextDaemon.PopulatedLeaves();

        Assert.Equal([living.Path, task.Path], populated.Select(l => l.Path).Order(StringComparer.Ordinal));
        Assert.Contains(empty.Path, nextDaemon.Leaves().Select(l => l.Path));
        foreach (CgroupLeaf orphan in populated)
        {
            orphan.Kill();
            Assert.True(await orphan.WaitEmptyAsync(Long, CancellationToken.None));
            Assert.True(orphan.Remove());
        }

        Assert.Empty(nextDaemon.PopulatedLeaves());
    }

    [Fact]
    public void Constructor_HostWithoutCgroups_SaysWhy()
    {
        string fs = Path.Combine(Path.GetTempPath(), "ops-cgroup-tree-tests", Guid.NewGuid().ToString("N"));
        CgroupHost none = CgroupHost.Detect(fsRoot: fs);

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => new CgroupTree(none));

        Assert.Contains(none.Reason, refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_sandbox.IsValueCreated)
        {
            _sandbox.Value.Dispose();
        }
    }
}
