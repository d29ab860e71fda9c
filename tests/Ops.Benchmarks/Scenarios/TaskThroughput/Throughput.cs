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

/// <summary>A row of the table: its result (the median round when measured in rounds), or why it has none.</summary>
internal sealed record ThroughputRow(string Label, Throughput? Result, string? Failure)
{
    /// <summary>Every round measured, in order; one for a row measured once, none for a failed row.</summary>
    public IReadOnlyList<Throughput> Rounds { get; init; } = Result is null ? [] : [Result];

    public static ThroughputRow Measured(string label, Throughput result) => new(label, result, null);

    public static ThroughputRow Failed(string label, string failure) => new(label, null, failure);

    /// <summary>A row measured in rounds: its result is the round with the median runs/s (the lower one of an even count).</summary>
    public static ThroughputRow FromRounds(string label, IReadOnlyList<Throughput> rounds) =>
        rounds.Count == 0
            ? Failed(label, "no round measured")
            : new(label, rounds.OrderBy(r => r.RunsPerSecond).ElementAt((rounds.Count - 1) / 2), null) { Rounds = rounds };

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two of an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
