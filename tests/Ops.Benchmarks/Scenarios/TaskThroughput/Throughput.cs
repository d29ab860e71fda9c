namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// What every row does: <paramref name="Runs"/> runs of <paramref name="Command"/>, <paramref name="Workers"/> at a
/// time, after <paramref name="WarmupRuns"/> uncounted ones (engines only), each batch within <paramref name="Timeout"/>.
/// PostgreSql engines look for new jobs every <paramref name="PollInterval"/>.
/// </summary>
internal sealed record ThroughputPlan(string Command, int Runs, int Workers, int WarmupRuns, TimeSpan Timeout, TimeSpan PollInterval);

/// <summary>Where a row's CPU went while it ran: who (opsd, the harness, PostgreSQL) and how much.</summary>
internal sealed record CpuShare(string Who, TimeSpan Time);

/// <summary>
/// One measured row: <see cref="Runs"/> runs finished in <see cref="Elapsed"/>, measured as <see cref="MeasuredBy"/>
/// says; <see cref="Submit"/> is how long handing over the runs took (part of <see cref="Elapsed"/>).
/// </summary>
internal sealed record Throughput(int Runs, TimeSpan Elapsed, string MeasuredBy)
{
    public TimeSpan? Submit { get; init; }

    public IReadOnlyList<CpuShare> Cpu { get; init; } = [];

    /// <summary>What else was seen, for the notes under the table.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public double RunsPerSecond => Runs / Elapsed.TotalSeconds;

    /// <summary>All of the row's CPU (engine, storage, runs) per run; null when the row measured none.</summary>
    public TimeSpan? CpuPerRun => Cpu.Count == 0 ? null : Cpu.Aggregate(TimeSpan.Zero, (sum, share) => sum + share.Time) / Runs;
}

/// <summary>A row of the table: its result, or why it has none.</summary>
internal sealed record ThroughputRow(string Label, Throughput? Result, string? Failure)
{
    public static ThroughputRow Measured(string label, Throughput result) => new(label, result, null);

    public static ThroughputRow Failed(string label, string failure) => new(label, null, failure);
}
