using System.Diagnostics;
using Ops.Processes.Cgroups;
using Ops.Processes.Native;
using Xunit.Abstractions;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>A leaf with real processes in it: listing, signals that reach escaped children, kill, the empty event, removal.</summary>
public sealed class CgroupLeafTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;
    private readonly Lazy<CgroupSandbox> _sandbox = new(() => new CgroupSandbox());

    public CgroupLeafTests(ITestOutputHelper output) => _output = output;

    private CgroupSandbox Sandbox => _sandbox.Value;

    [CgroupFact]
    public async Task Pids_ShellThatMovedItselfAndASetsidChild_ListsBoth()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 0);
        Process shell = Sandbox.Start(leaf, "setsid sleep 1234.5 & exec sleep 1234.6");

        await Observe.UntilAsync(
            () => leaf.Pids() is { Count: 2 } pids && pids.All(pid => CommandLine(pid).StartsWith("sleep\01234.", StringComparison.Ordinal)),
            Long,
            "the shell and its setsid child in the leaf, both exec'd into sleep");

        Assert.Contains(shell.Id, leaf.Pids());
        Assert.True(leaf.IsPopulated);
        await KillAndWaitAsync(leaf);
    }

    [CgroupFact]
    public async Task Signal_SetsidAndEnvironmentClearedGrandchildren_ReachesEveryOne()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 1);
        Process shell = Sandbox.Start(leaf, "setsid sleep 1234.5 & env -i sh -c 'exec sleep 1234.7' & exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.Pids().Count(pid => CommandLine(pid).StartsWith("sleep", StringComparison.Ordinal)) == 3, Long, "three sleeps in the leaf");

        int signalled = leaf.Signal(LinuxConstants.SIGTERM);

        Assert.Equal(3, signalled);
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None), "every sleep ended by SIGTERM");
        Assert.Empty(leaf.Pids());
        Assert.True(shell.WaitForExit(5000));
    }

    [CgroupFact]
    public async Task Kill_ChildrenIgnoringTerm_EmptiesTheLeafWhereSignalCouldNot()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("stubborn", 0);
        Process shell = Sandbox.Start(leaf, "trap '' TERM; setsid sleep 1234.5 & exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.Pids().Count == 2, Long, "both sleeps in the leaf");

        Assert.Equal(2, leaf.Signal(LinuxConstants.SIGTERM));
        Assert.False(await leaf.WaitEmptyAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None), "SIGTERM is ignored: the leaf stays populated");

        leaf.Kill();

        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None));
        Assert.False(leaf.IsPopulated);
        Assert.True(shell.WaitForExit(5000));
    }

    [CgroupFact]
    public async Task WaitEmptyAsync_WhileAProcessLives_DoesNotCompleteThenCompletesOnTheKillsEvent()
    {
        CgroupLeaf leaf = Sandbox.Tree.TaskLeaf("backup", 0);
        _ = Sandbox.Start(leaf, "setsid sleep 1234.5 & exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.Pids().Count == 2, Long, "both sleeps in the leaf");

        // A timeout far beyond the assertion below: only the inotify event can complete the wait in time.
        Task<bool> empty = leaf.WaitEmptyAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), () => empty.IsCompleted, "the wait for empty completed while the sleeps live");

        var clock = Stopwatch.StartNew();
        leaf.Kill();
        Task first = await Task.WhenAny(empty, Task.Delay(TimeSpan.FromSeconds(2)));
        TimeSpan latency = clock.Elapsed;

        Assert.Same(empty, first);
        Assert.True(await empty);
        _output.WriteLine($"cgroup.kill to populated-0 event: {latency.TotalMilliseconds:0.0} ms");
    }

    [CgroupFact]
    public async Task WaitEmptyAsync_ProcessExitsByItself_CompletesOnTheEvent()
    {
        CgroupLeaf leaf = Sandbox.Tree.TaskLeaf("backup", 1);
        var clock = Stopwatch.StartNew();
        _ = Sandbox.Start(leaf, "exec sleep 0.3");
        await Observe.UntilAsync(() => leaf.IsPopulated, Long, "the sleep in the leaf");

        bool emptied = await leaf.WaitEmptyAsync(TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.True(emptied);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [CgroupFact]
    public async Task WaitEmptyAsync_Cancelled_Throws()
    {
        CgroupLeaf leaf = Sandbox.Tree.TaskLeaf("backup", 2);
        _ = Sandbox.Start(leaf, "exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.IsPopulated, Long, "the sleep in the leaf");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaf.WaitEmptyAsync(Long, cancel.Token));

        await KillAndWaitAsync(leaf);
    }

    [CgroupFact]
    public async Task Remove_PopulatedThenEmptied_RefusesThenLeavesNoDirectory()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 2);
        _ = Sandbox.Start(leaf, "exec sleep 1234.6");
        await Observe.UntilAsync(() => leaf.IsPopulated, Long, "the sleep in the leaf");

        Assert.False(leaf.Remove());
        Assert.True(Directory.Exists(leaf.Path));

        await KillAndWaitAsync(leaf);

        Assert.True(leaf.Remove());
        Assert.False(Directory.Exists(leaf.Path));
        Assert.All(leaf.V1Paths.Values, path => Assert.False(Directory.Exists(path), path));
        Assert.True(leaf.Remove(), "removing a removed leaf is a no-op");
    }

    [CgroupFact]
    public async Task OpenHandles_ProcsDescriptors_MoveTheProcessWrittenThroughThem()
    {
        CgroupLeaf leaf = Sandbox.Tree.ProgramLeaf("web", 3);
        using var sleeper = Process.Start("sleep", "1234.8");
        try
        {
            using (CgroupLeafHandles handles = leaf.OpenHandles())
            {
                Assert.True(handles.DirectoryFd >= 0);
                Assert.Equal(leaf.ProcsPaths.Count, handles.ProcsFds.Count);
                foreach (int fd in handles.ProcsFds)
                {
                    using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, 1);
                    stream.Write(System.Text.Encoding.ASCII.GetBytes(sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }

            Assert.Equal([sleeper.Id], leaf.Pids());
            Assert.All(leaf.V1Paths.Values, path => Assert.Contains(sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(path, "cgroup.procs")), StringComparison.Ordinal));
            await KillAndWaitAsync(leaf);
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill();
            }
        }
    }

    public void Dispose()
    {
        if (_sandbox.IsValueCreated)
        {
            _sandbox.Value.Dispose();
        }
    }

    private static async Task KillAndWaitAsync(CgroupLeaf leaf)
    {
        leaf.Kill();
        Assert.True(await leaf.WaitEmptyAsync(Long, CancellationToken.None), "the leaf empties after cgroup.kill");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "gone";
        }
    }
}
