using System.Runtime.InteropServices;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>
/// Makes sure nothing the harness started outlives it. Every launch gets its own session (and so its own process
/// group), and the harness is a child subreaper: a child of a supervisor that died is re-parented to the harness, not
/// to init, so "everything below the harness" is exactly what it started, and <see cref="Sweep"/> can find and kill it.
/// </summary>
internal sealed unsafe class ProcessJanitor
{
    private static readonly TimeSpan SweepPoll = TimeSpan.FromMilliseconds(10);

    private readonly int _self = Environment.ProcessId;
    private readonly int _ownGroup = Libc.getpgrp();
    private readonly HashSet<int> _launched = [];
    private readonly Lock _gate = new();

    /// <summary>Adopts orphans from now on; throws when the kernel refuses (it never does on Linux 3.4+).</summary>
    public void BecomeSubreaper()
    {
        if (Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException($"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Remembers a pid that a <see cref="System.Diagnostics.Process"/> owns, so that the sweep never reaps it behind .NET's back.</summary>
    public void Launched(int pid)
    {
        lock (_gate)
        {
            _launched.Add(pid);
        }
    }

    /// <summary>The live processes below the harness right now (zombies left out).</summary>
    public List<ProcStat> Survivors() => [.. ProcFs.Descendants(_self).Where(p => p.State != 'Z')];

    /// <summary>
    /// SIGKILLs the process group of every process below the harness until none is left or <paramref name="timeout"/>
    /// passes, reaping adopted orphans; returns the processes it found alive on the first pass.
    /// </summary>
    public List<ProcStat> Sweep(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<ProcStat>? firstPass = null;
        while (true)
        {
            var below = ProcFs.Descendants(_self);
            var alive = below.Where(p => p.State != 'Z').ToList();
            firstPass ??= alive;
            foreach (var process in alive)
            {
                // A process still in the harness's own group (setsid has not run yet) is killed alone, never the group.
                _ = process.ProcessGroup == _ownGroup || process.ProcessGroup <= 1
                    ? Libc.kill(process.Pid, Libc.SIGKILL)
                    : Libc.kill(-process.ProcessGroup, Libc.SIGKILL);
            }

            ReapAdopted(below);
            if (alive.Count == 0 || DateTime.UtcNow > deadline)
            {
                return firstPass;
            }

            Thread.Sleep(SweepPoll);
        }
    }

    /// <summary>Orphans re-parented to the harness become its zombies when they die; .NET only reaps the children it started.</summary>
    private void ReapAdopted(List<ProcStat> below)
    {
        foreach (var process in below.Where(p => p.ParentPid == _self))
        {
            bool ours;
            lock (_gate)
            {
                ours = _launched.Contains(process.Pid);
            }

            if (!ours)
            {
                int status;
                _ = Libc.waitpid(process.Pid, &status, Libc.WNOHANG);
            }
        }
    }
}
