using System.Diagnostics;
using System.Runtime.InteropServices;
using Ops.Benchmarks.Infrastructure;
using Ops.Benchmarks.Scenarios;
using Ops.Benchmarks.Scenarios.Footprint;
using Ops.Benchmarks.Scenarios.Micro;
using Ops.Benchmarks.Scenarios.RestartLatency;
using Ops.Benchmarks.Scenarios.TaskThroughput;

namespace Ops.Benchmarks;

/// <summary>Runs the chosen scenarios one after another and guarantees that nothing they started survives them.</summary>
internal static class BenchRunner
{
    private const int ExitFailed = 1;
    private const int ExitUsage = 2;
    private const int ExitInterrupted = 130;

    private static readonly TimeSpan SweepTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = BenchArguments.Parse(args, out var error);
        if (error is not null)
        {
            await Console.Error.WriteLineAsync($"{error}{Environment.NewLine}{BenchArguments.Usage}");
            return ExitUsage;
        }

        var janitor = new ProcessJanitor();
        janitor.BecomeSubreaper();
        using var interrupted = new CancellationTokenSource();
        using var signals = HandleSignals(interrupted, janitor);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => janitor.Sweep(SweepTimeout);

        var scratch = Directory.CreateTempSubdirectory("ops-bench-");
        var context = new BenchContext(arguments, janitor, scratch.FullName);
        var failed = new List<string>();
        var started = Stopwatch.GetTimestamp();
        try
        {
            foreach (var scenario in arguments.Scenarios.Select(Create))
            {
                if (interrupted.IsCancellationRequested)
                {
                    break;
                }

                if (!await RunOneAsync(scenario, context, janitor, interrupted.Token))
                {
                    failed.Add(scenario.Name);
                }
            }
        }
        finally
        {
            janitor.Sweep(SweepTimeout);
            scratch.Delete(recursive: true);
        }

        Console.WriteLine($"bench: {string.Join(", ", arguments.Scenarios)} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; reports in {BenchReport.Directory()}");
        if (interrupted.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("bench: interrupted; every process it started was killed");
            return ExitInterrupted;
        }

        if (failed.Count > 0)
        {
            await Console.Error.WriteLineAsync($"bench: failed: {string.Join(", ", failed)}");
            return ExitFailed;
        }

        return 0;
    }

    private static IScenario Create(string name) => name switch
    {
        "restart-latency" => new RestartLatencyScenario(),
        "footprint" => new FootprintScenario(),
        "micro" => new MicroScenario(),
        "task-throughput" => new TaskThroughputScenario(),
        "seq-shipping" => new SeqShippingScenario(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown scenario"),
    };

    /// <summary>Runs one scenario within its limit; a failure is written as its report, so no stale numbers stay behind.</summary>
    private static async Task<bool> RunOneAsync(IScenario scenario, BenchContext context, ProcessJanitor janitor, CancellationToken interrupted)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        limit.CancelAfter(scenario.Limit);
        var started = Stopwatch.GetTimestamp();
        string? failure = null;
        try
        {
            BenchReport.Write(scenario.Name, await scenario.RunAsync(context, limit.Token));
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            failure = "interrupted";
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            failure = $"did not finish within its limit of {scenario.Limit.TotalMinutes:0.#} min";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e.Message;
        }
        finally
        {
            // Whatever happened, nothing the scenario started may run into the next one.
            var survivors = janitor.Sweep(SweepTimeout);
            if (survivors.Count > 0)
            {
                await Console.Error.WriteLineAsync($"{scenario.Name}: killed {survivors.Count} leftover process(es): {string.Join(", ", survivors.Select(p => $"{p.Comm}[{p.Pid}]"))}");
            }
        }

        Console.WriteLine($"{scenario.Name}: {(failure is null ? "done" : "FAILED")} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        if (failure is null)
        {
            return true;
        }

        await Console.Error.WriteLineAsync($"{scenario.Name}: FAILED: {failure}");
        if (interrupted.IsCancellationRequested)
        {
            // Interrupted on purpose: the last complete report stays.
            return false;
        }

        BenchReport.Write(scenario.Name, $"## {scenario.Name}{Environment.NewLine}{Environment.NewLine}FAILED ({BenchReport.MachineLine()}): {failure}{Environment.NewLine}");
        return false;
    }

    /// <summary>
    /// Ctrl+C, SIGTERM and SIGHUP cancel the run, which then unwinds and cleans up; a second signal kills everything
    /// the harness started at once and exits.
    /// </summary>
    private static CompositeDisposable HandleSignals(CancellationTokenSource interrupted, ProcessJanitor janitor)
    {
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            if (interrupted.IsCancellationRequested)
            {
                janitor.Sweep(SweepTimeout);
                Environment.Exit(ExitInterrupted);
            }

            Console.Error.WriteLine($"bench: {signal.Signal}: stopping and cleaning up (again to force)");
            interrupted.Cancel();
        }

        return new CompositeDisposable(
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal));
    }

    private sealed class CompositeDisposable(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }
    }
}
