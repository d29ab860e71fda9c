namespace Ops.Benchmarks.Infrastructure;

/// <summary>p50/p90/p99/max of a set of latencies in milliseconds, by nearest rank (every value is a real sample).</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            throw new ArgumentException("no samples", nameof(milliseconds));
        }

        var sorted = milliseconds.Order().ToArray();
        double Rank(double quantile) => sorted[Math.Max((int)Math.Ceiling(quantile * sorted.Length), 1) - 1];
        return new LatencySummary(sorted.Length, Rank(0.50), Rank(0.90), Rank(0.99), sorted[^1]);
    }
}
