using System.Diagnostics;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// The raw Hangfire rows' job: what a hand-written Hangfire job that runs a command does, with nothing of Ops in
/// between. Public because Hangfire only invokes public methods.
/// </summary>
public static class TrueJob
{
    /// <summary>Starts <paramref name="command"/> without arguments, waits for it, and throws when it does not exit 0.</summary>
    public static async Task RunAsync(string command, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(command) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"{command} did not start");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} (pid {process.Id}) exited with {process.ExitCode}");
        }
    }
}
