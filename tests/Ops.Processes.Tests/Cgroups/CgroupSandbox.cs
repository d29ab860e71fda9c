using System.Diagnostics;
using Ops.Processes.Cgroups;

namespace Ops.Processes.Tests.Cgroups;

/// <summary>
/// A test class's own cgroup root (<c>ops-test-&lt;guid&gt;</c> at the cgroup2 mount, and its v1 mirrors), the tree on
/// it, and the processes a test started in its leaves. On dispose it fails when anything is still in a leaf after a
/// short settle (the leak guard, as ProcessSandbox's), kills it first and removes the whole root, so nothing is left.
/// </summary>
internal sealed class CgroupSandbox : IDisposable
{
    /// <summary>How long a process the test ended may take to leave its leaf before it counts as left behind.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    private readonly List<Process> _processes = [];

    public CgroupSandbox()
    {
        if (Unavailable is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        string mount = CgroupHost.Detect().V2Mount!;
        Root = Path.Combine(mount, "ops-test-" + Guid.NewGuid().ToString("N"));
        Host = CgroupHost.Detect(Root);
        Tree = new CgroupTree(Host);
        try
        {
            EnsureProblems = Tree.Ensure();
        }
        catch
        {
            RemoveRoots();
            throw;
        }
    }

    /// <summary>Why real-cgroup tests cannot run here, or null when they can.</summary>
    public static string? Unavailable => UnavailableReason.Value;

    public string Root { get; }

    public CgroupHost Host { get; }

    public CgroupTree Tree { get; }

    public IReadOnlyList<string> EnsureProblems { get; }

    /// <summary>
    /// Starts <c>sh -c</c> that first moves itself into every cgroup.procs of <paramref name="leaf"/> (as the launcher's
    /// child will before it execs), then runs <paramref name="script"/>; exit code 97 means the move failed.
    /// </summary>
    public Process Start(CgroupLeaf leaf, string script)
    {
        string moves = string.Concat(leaf.ProcsPaths.Select(p => $"echo 0 > '{p}' || exit 97; "));
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(moves + script);
        Process process = Process.Start(info)!;
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>A fresh file path outside the cgroup root for a test's output (the test deletes it).</summary>
    public string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"ops-cgroup-{Guid.NewGuid():N}-{name}");

    /// <summary>Fails when a leaf still holds a process after <see cref="Settle"/> (killed first), then removes the root.</summary>
    /// <exception cref="InvalidOperationException">The test left processes in a leaf.</exception>
    public void Dispose()
    {
        try
        {
            DisposeLeaves();
        }
        finally
        {
            RemoveRoots();
        }
    }

    private void DisposeLeaves()
    {
        var clock = Stopwatch.StartNew();
        List<string> left = Leftovers();
        while (left.Count > 0 && clock.Elapsed < Settle)
        {
            Thread.Sleep(20);
            left = Leftovers();
        }

        foreach (CgroupLeaf leaf in Tree.Leaves())
        {
            if (leaf.IsPopulated)
            {
                leaf.Kill();
                _ = leaf.WaitEmptyAsync(TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();
            }

            _ = leaf.Remove();
        }

        lock (_processes)
        {
            foreach (Process process in _processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    left.Add($"process {process.Id} outside any leaf");
                }

                process.Dispose();
            }
        }

        if (left.Count > 0)
        {
            throw new InvalidOperationException($"the test left processes behind {Settle.TotalSeconds:0} s after it ended (killed now): {string.Join(", ", left)}");
        }
    }

    private List<string> Leftovers()
    {
        var left = Tree.Leaves().SelectMany(l => l.Pids().Select(pid => $"pid {pid} in {l.RelativePath}")).ToList();
        lock (_processes)
        {
            left.AddRange(_processes.Where(p => !p.HasExited).Select(p => $"process {p.Id} not exited"));
        }

        return left;
    }

    private void RemoveRoots()
    {
        foreach (string root in (string[])[Root, .. Host.V1Roots.Values.Distinct()])
        {
            RemoveBottomUp(root);
        }
    }

    private static void RemoveBottomUp(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (string child in Directory.EnumerateDirectories(directory))
        {
            RemoveBottomUp(child);
        }

        Directory.Delete(directory);
    }

    private static string? Probe()
    {
        CgroupHost host = CgroupHost.Detect();
        if (host.Mode == CgroupMode.None || host.V2Mount is null)
        {
            return "real-cgroup tests need a writable cgroup2 hierarchy: " + host.Reason;
        }

        string probe = Path.Combine(host.V2Mount, "ops-test-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"real-cgroup tests need to create cgroups at {host.V2Mount}: {ex.Message}";
        }
    }
}
