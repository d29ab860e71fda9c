namespace Ops.Benchmarks.Infrastructure;

/// <summary>
/// Counts the children of one process that run a given program (by comm), cheaply enough to call every few
/// milliseconds: a pid is read once it is settled (someone else's, or ours and exec'd), so each scan only lists /proc
/// and reads the new pids.
/// </summary>
internal sealed class ChildCounter(int parentPid, string comm)
{
    private readonly HashSet<int> _matching = [];
    private readonly HashSet<int> _elsewhere = [];

    /// <summary>How many children of the parent with that comm have been seen so far (they are not expected to exit).</summary>
    public int Count()
    {
        foreach (var pid in ProcFs.AllPids())
        {
            if (_matching.Contains(pid) || _elsewhere.Contains(pid) || ProcFs.TryReadStat(pid) is not { } stat)
            {
                continue;
            }

            if (stat.ParentPid != parentPid)
            {
                // Never becomes the parent's child later: parents only change to a reaper.
                _elsewhere.Add(pid);
            }
            else if (stat.Comm == comm)
            {
                _matching.Add(pid);
            }

            // Else: the parent's child before its exec; look again next time.
        }

        return _matching.Count;
    }
}
