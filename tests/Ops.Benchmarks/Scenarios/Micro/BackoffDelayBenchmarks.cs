using BenchmarkDotNet.Attributes;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;

namespace Ops.Benchmarks.Scenarios.Micro;

/// <summary>
/// The pure heart's hot function, <see cref="Backoff.Delay"/>, against the bare <see cref="Math.Pow"/> it is built on:
/// the ratio is the price of the cap, the jitter and the clamping. 3 failures stay under the cap; 40 hit it.
/// </summary>
[MemoryDiagnoser]
public class BackoffDelayBenchmarks
{
    private readonly IRandomSource _random = new FixedRandomSource(0.75);
    private BackoffPolicy _policy = BackoffPolicy.Default;

    [Params(3, 40)]
    public int ConsecutiveFailures { get; set; }

    [GlobalSetup]
    public void Setup() => _policy = new BackoffPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), Multiplier: 2.0, Jitter: 0.1);

    [Benchmark(Baseline = true)]
    public double MathPowOnly() => _policy.Initial.Ticks * Math.Pow(_policy.Multiplier, ConsecutiveFailures - 1);

    [Benchmark]
    public TimeSpan BackoffDelay() => Backoff.Delay(_policy, ConsecutiveFailures, _random);

    /// <summary>A constant "random" number, so every call takes the same path and the numbers repeat.</summary>
    private sealed class FixedRandomSource(double value) : IRandomSource
    {
        public double NextDouble() => value;
    }
}
