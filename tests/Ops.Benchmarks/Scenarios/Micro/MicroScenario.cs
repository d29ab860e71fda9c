using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Ops.Benchmarks.Infrastructure;
using Perfolizer.Horology;

namespace Ops.Benchmarks.Scenarios.Micro;

/// <summary>
/// BenchmarkDotNet on <see cref="BackoffDelayBenchmarks"/>: a short in-process job (no generated project to build),
/// enough for a nanosecond function and a ratio, and quick enough for `all`.
/// </summary>
internal sealed class MicroScenario : IScenario
{
    /// <summary>ShortRun's 3 iterations leave error bars as wide as the means on this noisy machine; 10 short ones do not.</summary>
    private const int MeasuredIterations = 10;

    private const int IterationMs = 250;

    public string Name => "micro";

    /// <summary>BenchmarkDotNet cannot be cancelled midway; the short job keeps it near half a minute.</summary>
    public TimeSpan Limit => TimeSpan.FromMinutes(2);

    public Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine("micro: BenchmarkDotNet, ShortRun in process (its log goes to artifacts/bench/micro.log)");
        var log = new AccumulationLogger();
        var job = Job.ShortRun
            .WithIterationCount(MeasuredIterations)
            .WithIterationTime(TimeInterval.FromMilliseconds(IterationMs))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(log)
            .WithArtifactsPath(context.NewWorkDirectory("micro"));

        var summary = BenchmarkRunner.Run<BackoffDelayBenchmarks>(config);
        File.WriteAllText(Path.Combine(BenchReport.Directory(), "micro.log"), log.GetLog());
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
        {
            var errors = summary.ValidationErrors.Select(e => e.Message).DefaultIfEmpty("a benchmark case failed; see artifacts/bench/micro.log");
            throw new InvalidOperationException($"BenchmarkDotNet: {string.Join("; ", errors)}");
        }

        var table = new AccumulationLogger();
        MarkdownExporter.GitHub.ExportToLog(summary, table);
        var text = new StringBuilder()
            .AppendLine("## micro")
            .AppendLine()
            .AppendLine("`Ops.Supervision.Backoff.Delay` (policy 100 ms, max 1 min, x2, 10% jitter, a fixed random source) against a bare `Math.Pow` baseline; 3 failures stay under the cap, 40 hit it.")
            .AppendLine($"ShortRun job with {MeasuredIterations} measured iterations of ~{IterationMs} ms, in process: a quick look, not a precise measurement.")
            .AppendLine()
            .Append(table.GetLog());
        return Task.FromResult(text.ToString());
    }
}
