using System.Collections.Concurrent;

namespace Ops.Jobs.Metrics;

/// <summary>
/// Counters and run-duration histograms of task runs on this host, kept in memory for /metrics. Cheap and
/// lock-free on the hot path: one dictionary lookup and an Interlocked add per event.
/// </summary>
public sealed class TaskMetrics
{
    /// <summary>Upper bounds (seconds) of the run-duration buckets.</summary>
    public static readonly double[] Buckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];

    private readonly ConcurrentDictionary<(string Task, string Outcome), long[]> _runs = new();
    private readonly ConcurrentDictionary<string, Histogram> _durations = new(StringComparer.Ordinal);

    /// <summary>Outcomes counted: a run that succeeded, an attempt that failed and will be retried, a run that failed for good.</summary>
    public static class Outcomes
    {
        public const string Succeeded = "succeeded";
        public const string Retried = "retried";
        public const string Failed = "failed";
    }

    public void CountRun(string task, string outcome) =>
        Interlocked.Increment(ref _runs.GetOrAdd((task, outcome), _ => new long[1])[0]);

    public void ObserveDuration(string task, TimeSpan duration) =>
        _durations.GetOrAdd(task, _ => new Histogram()).Observe(duration.TotalSeconds);

    public IEnumerable<(string Task, string Outcome, long Count)> Runs() =>
        _runs.Select(kv => (kv.Key.Task, kv.Key.Outcome, Interlocked.Read(ref kv.Value[0])));

    public IEnumerable<(string Task, Histogram Histogram)> Durations() => _durations.Select(kv => (kv.Key, kv.Value));

    /// <summary>A cumulative histogram in Prometheus' sense.</summary>
    public sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length + 1];
        private long _sumMicros;

        public void Observe(double seconds)
        {
            var index = Array.FindIndex(Buckets, b => seconds <= b);
            Interlocked.Increment(ref _counts[index < 0 ? Buckets.Length : index]);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1_000_000));
        }

        /// <summary>Cumulative counts per bucket, the last one being +Inf (the total).</summary>
        public long[] Cumulative()
        {
            var result = new long[_counts.Length];
            long running = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                running += Interlocked.Read(ref _counts[i]);
                result[i] = running;
            }

            return result;
        }

        public double SumSeconds => Interlocked.Read(ref _sumMicros) / 1_000_000.0;
    }
}
