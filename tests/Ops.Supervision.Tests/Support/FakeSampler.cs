using Ops.Supervision.Os;

namespace Ops.Supervision.Tests.Support;

/// <summary>A process-tree sampler answering from a table the test fills; remembers what it was asked.</summary>
internal sealed class FakeSampler : IProcessTreeSampler
{
    private readonly Dictionary<int, long> _rss = [];
    private readonly List<int[]> _calls = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<int[]> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public void SetRss(int groupId, long bytes)
    {
        lock (_gate)
        {
            _rss[groupId] = bytes;
        }
    }

    public IReadOnlyDictionary<int, long> SampleRssBytes(IReadOnlyCollection<int> groupIds)
    {
        lock (_gate)
        {
            _calls.Add([.. groupIds]);
            return groupIds.Where(_rss.ContainsKey).ToDictionary(g => g, g => _rss[g]);
        }
    }
}
