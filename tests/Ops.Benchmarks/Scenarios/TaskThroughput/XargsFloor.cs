using System.Diagnostics;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// The floor: <c>seq N | xargs -P W -I{} /bin/true</c>, the same runs with the same parallelism and nothing but
/// fork, exec and wait between them. Timed from starting the shell until it has exited.
/// </summary>
internal static class XargsFloor
{
    public static string Label(int workers) => $"floor: xargs -P {workers}";

    /// <summary>Runs it once; throws naming the limit when it takes longer than the plan's timeout.</summary>
    public static async Task<Throughput> RunAsync(BenchContext context, ThroughputPlan plan, CancellationToken cancellationToken)
    {
        var (runs, timeout) = (plan.Runs, plan.Timeout);
        var pipeline = $"seq {runs} | xargs -P {plan.Workers} -I{{}} {plan.Command}";
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(pipeline);

        var childrenBefore = RawHangfire.ChildrenCpu();
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("/bin/sh did not start");
        context.Janitor.Launched(process.Id);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"`{pipeline}` did not finish within {timeout.TotalSeconds:0} s");
        }

        var elapsed = Stopwatch.GetElapsedTime(started);

        // The shell, once reaped here, hands in the CPU of everything below it: seq, xargs and every run.
        var cpu = RawHangfire.ChildrenCpu() - childrenBefore;
        return process.ExitCode == 0
            ? new Throughput(runs, elapsed, "shell start to exit") { Cpu = [new CpuShare("runs", cpu)] }
            : throw new InvalidOperationException($"`{pipeline}` exited with {process.ExitCode}: {(await stderr).Trim()}");
    }
}
