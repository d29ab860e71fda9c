using Ops.Supervision.Os;

namespace Ops.Processes.Sampling;

/// <summary>Sums resident memory per process group in one pass over /proc (Linux); zombies are skipped.</summary>
public sealed class ProcFsTreeSampler : IProcessTreeSampler
{
    private static readonly long PageSize = Environment.SystemPageSize;

    /// <inheritdoc/>
    public IReadOnlyDictionary<int, long> SampleRssBytes(IReadOnlyCollection<int> groupIds)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        var wanted = groupIds as IReadOnlySet<int> ?? new HashSet<int>(groupIds);
        var totals = new Dictionary<int, long>();
        if (wanted.Count == 0)
        {
            return totals;
        }

        foreach (ProcessStat process in ProcessTable.Snapshot())
        {
            // A zombie holds no memory; counting it would keep an ended group in the answer until init reaps it.
            if (!process.IsZombie && wanted.Contains(process.GroupId))
            {
                totals[process.GroupId] = totals.GetValueOrDefault(process.GroupId) + (process.RssPages * PageSize);
            }
        }

        return totals;
    }
}
