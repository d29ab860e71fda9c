using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios;

/// <summary>What every scenario gets: the arguments, the janitor, and a scratch directory for this run.</summary>
internal sealed class BenchContext(BenchArguments arguments, ProcessJanitor janitor, string scratch)
{
    private int _next;

    public BenchArguments Arguments { get; } = arguments;

    public ProcessJanitor Janitor { get; } = janitor;

    /// <summary>A fresh, empty directory under this run's scratch directory (which is deleted at the end).</summary>
    public string NewWorkDirectory(string name) =>
        Directory.CreateDirectory(Path.Combine(scratch, $"{Interlocked.Increment(ref _next):00}-{name}")).FullName;
}
