namespace Ops.Supervision.Os;

/// <summary>Measures memory of whole process trees (every process of a process group).</summary>
public interface IProcessTreeSampler
{
    /// <summary>
    /// Resident set size in bytes summed over every process in each of <paramref name="groupIds"/>, in one pass
    /// over the OS's process table. Groups with no process left are absent from the answer.
    /// </summary>
    IReadOnlyDictionary<int, long> SampleRssBytes(IReadOnlyCollection<int> groupIds);
}
