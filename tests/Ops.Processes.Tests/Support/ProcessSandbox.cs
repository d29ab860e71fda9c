using Ops.Processes.Launching;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Output;
using Ops.Processes.Sampling;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Support;

/// <summary>
/// A test's own state and log folders, launcher and output store, plus a record of every process the test started
/// so it can assert that none is left, and kill leftovers on dispose. Leftovers are identified like orphans are
/// (group id plus start time), so a recycled pid of an unrelated process is never killed; every launch also carries
/// the sandbox's marker in its environment, which finds the processes that left their group (setsid, daemons).
/// </summary>
internal sealed class ProcessSandbox : IDisposable
{
    private const string MarkerVariable = "OPS_TEST_SANDBOX";

    private readonly List<(int Pgid, ulong StartTime, IRunningProcess Process)> _groups = [];
    private readonly List<(int Pid, ulong StartTime)> _pids = [];
    private readonly string _marker = Guid.NewGuid().ToString("N");

    public ProcessSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "ops-processes-tests", Guid.NewGuid().ToString("N"));
        Options = new ProcessOptions
        {
            StateDirectory = Path.Combine(Root, "state"),
            LogDirectory = Path.Combine(Root, "logs"),
        };
        Directory.CreateDirectory(Root);
        Output = new InstanceOutputStore(Options);
        Launcher = new LinuxProcessLauncher(Options, Output);
    }

    public string Root { get; }

    public ProcessOptions Options { get; }

    public InstanceOutputStore Output { get; }

    public LinuxProcessLauncher Launcher { get; }

    /// <summary>A fresh path in the sandbox (for pid files).</summary>
    public string PathFor(string name) => Path.Combine(Root, name);

    /// <summary>Starts <paramref name="spec"/> and tracks its group.</summary>
    public IRunningProcess Start(LaunchSpec spec)
    {
        IRunningProcess process = Launcher.Start(Marked(spec));
        Track(process);
        return process;
    }

    /// <summary><paramref name="spec"/> with the sandbox's marker added to its environment.</summary>
    public LaunchSpec Marked(LaunchSpec spec) =>
        spec with { Environment = new Dictionary<string, string>(spec.Environment) { [MarkerVariable] = _marker } };

    /// <summary>Live processes carrying the marker, wherever their group or session is.</summary>
    public IReadOnlyList<int> MarkedProcesses()
    {
        byte[] entry = System.Text.Encoding.UTF8.GetBytes($"{MarkerVariable}={_marker}\0");
        var found = new List<int>();
        foreach (ProcessStat process in ProcessTable.Snapshot().Where(p => !p.IsZombie && p.Pid != Environment.ProcessId))
        {
            try
            {
                if (File.ReadAllBytes($"/proc/{process.Pid}/environ").AsSpan().IndexOf(entry) >= 0)
                {
                    found.Add(process.Pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return found;
    }

    /// <summary>Tracks a process started elsewhere (through a probe, say).</summary>
    public void Track(IRunningProcess process)
    {
        // An already reaped leader's start time is unknown: MaxValue matches no process, so nothing is ever killed by guess.
        ulong startTime = ProcessTable.TryRead(process.Pid, out ProcessStat stat) ? stat.StartTime : ulong.MaxValue;
        lock (_groups)
        {
            _groups.Add((process.Pid, startTime, process));
        }
    }

    /// <summary>Tracks single pids (grandchildren from a pid file), with their start time.</summary>
    public void TrackPids(IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            if (ProcessTable.TryRead(pid, out ProcessStat stat))
            {
                lock (_groups)
                {
                    _pids.Add((pid, stat.StartTime));
                }
            }
        }
    }

    /// <summary>How long a process that was stopped at the test's end may take to be reaped before it counts as left.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    /// <summary>Waits a little for stragglers, then asserts every tracked leader is reaped and every group and pid gone.</summary>
    public async Task AssertNoProcessLeftAsync()
    {
        bool clean = await Eventually.TrueAsync(() => Leftovers().Count == 0, Settle);
        Assert.True(clean, "processes left: " + string.Join(", ", Leftovers()));
    }

    /// <summary>
    /// The test's leak guard: fails the test when anything it started is still there (after <see cref="Settle"/>),
    /// whether or not the test asserted it itself; leftovers are killed first, so the next test starts clean.
    /// </summary>
    /// <exception cref="InvalidOperationException">The test left processes behind.</exception>
    public void Dispose()
    {
        List<string> left = Leftovers();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (left.Count > 0 && clock.Elapsed < Settle)
        {
            Thread.Sleep(20);
            left = Leftovers();
        }

        KillLeftovers();
        Output.Dispose();

        // A pump may still be draining a killed flood into its file for a moment: retry briefly.
        for (int attempt = 0; attempt < 10 && Directory.Exists(Root); attempt++)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }

        if (left.Count > 0)
        {
            throw new InvalidOperationException($"the test left processes behind {Settle.TotalSeconds:0} s after it ended (killed now): {string.Join(", ", left)}");
        }
    }

    private List<string> Leftovers()
    {
        var left = new List<string>();
        lock (_groups)
        {
            foreach ((int pgid, ulong startTime, IRunningProcess process) in _groups)
            {
                if (!process.Exited.IsCompleted)
                {
                    left.Add($"leader {pgid} not reaped");
                }

                left.AddRange(Members(pgid, startTime).Select(pid => $"pid {pid} in group {pgid} ({CommandLine(pid)})"));
            }

            left.AddRange(_pids.Where(p => IsSameProcessAlive(p.Pid, p.StartTime)).Select(p => $"pid {p.Pid} ({CommandLine(p.Pid)})"));
        }

        left.AddRange(MarkedProcesses().Select(pid => $"marked pid {pid} ({CommandLine(pid)})"));

        return left;
    }

    private void KillLeftovers()
    {
        lock (_groups)
        {
            foreach ((int pgid, ulong startTime, IRunningProcess process) in _groups)
            {
                if (!process.Exited.IsCompleted || Members(pgid, startTime).Count > 0)
                {
                    process.Kill();
                }
            }

            foreach ((int pid, ulong startTime) in _pids)
            {
                if (IsSameProcessAlive(pid, startTime))
                {
                    _ = Libc.kill(pid, LinuxConstants.SIGKILL);
                }
            }
        }

        foreach (int pid in MarkedProcesses())
        {
            _ = Libc.kill(pid, LinuxConstants.SIGKILL);
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "gone";
        }
    }

    private static IReadOnlyList<int> Members(int pgid, ulong startTime) =>
        OrphanReaper.FindRecordedMembers(new GroupRecord("test", 0, pgid, pgid, startTime, string.Empty, 0, default));

    private static bool IsSameProcessAlive(int pid, ulong startTime) =>
        ProcessTable.TryRead(pid, out ProcessStat stat) && !stat.IsZombie && stat.StartTime == startTime;
}
