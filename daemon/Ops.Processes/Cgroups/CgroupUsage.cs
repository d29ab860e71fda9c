namespace Ops.Processes.Cgroups;

/// <summary>What a leaf has used, read from its control files; a figure this host cannot give is null.</summary>
/// <param name="CpuSeconds">CPU time of every process that ran in the leaf, user and system (<c>cpu.stat</c> usage_usec).</param>
/// <param name="MemoryBytes">Memory charged to the leaf now.</param>
/// <param name="MemoryPeakBytes">The most memory charged to it at once since it was created.</param>
/// <param name="Processes">Processes now (<c>pids.current</c> counts threads too; else the count of cgroup.procs).</param>
/// <param name="OomKills">Processes the OOM killer ended in the leaf.</param>
/// <param name="CpuPressure">cpu.pressure, where present.</param>
/// <param name="MemoryPressure">memory.pressure, where present.</param>
/// <param name="IoPressure">io.pressure, where present.</param>
public sealed record CgroupUsage(
    double? CpuSeconds,
    long? MemoryBytes,
    long? MemoryPeakBytes,
    int Processes,
    long? OomKills,
    CgroupPressure? CpuPressure,
    CgroupPressure? MemoryPressure,
    CgroupPressure? IoPressure);

/// <summary>
/// One pressure file (PSI): the share of time some (or all, "full") of the leaf's tasks stalled on the resource, as
/// percentages averaged over 10, 60 and 300 s, and the total stall time.
/// </summary>
public sealed record CgroupPressure(
    double SomeAvg10,
    double SomeAvg60,
    double SomeAvg300,
    TimeSpan SomeTotal,
    double? FullAvg10,
    double? FullAvg60,
    double? FullAvg300,
    TimeSpan? FullTotal);
