using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>
/// Something that keeps the one benchmark child alive, restarting it whenever it dies: the shell-loop floor or a
/// supervisor under test.
/// </summary>
internal abstract class Respawner : IDisposable
{
    protected Respawner(LaunchedProcess process) => Process = process;

    /// <summary>The respawner's own process.</summary>
    public LaunchedProcess Process { get; }

    /// <summary>Returns once the respawner itself considers <paramref name="childPid"/> started, so the first kill is of a settled child.</summary>
    public virtual Task WaitReadyAsync(int childPid, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One kill and its replacement, in wall-clock time so it can be matched with the respawner's own records.</summary>
    public virtual void Observed(int killedPid, DateTimeOffset killedAt, int replacementPid, DateTimeOffset seenAt)
    {
    }

    /// <summary>After the kills: what its API says about them (a note for the report), or null when it has no API.</summary>
    public virtual Task<string?> CheckAfterAsync(int childPid, int kills, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>Stops it the way it is meant to be stopped; a note when that went wrong.</summary>
    public abstract Task<string?> StopAsync();

    public virtual void Dispose() => Process.Dispose();

    /// <summary>A note when a graceful stop did not end with exit 0.</summary>
    protected static string? StopNote(string label, int? exitCode, TimeSpan took) => exitCode switch
    {
        0 => null,
        null => $"{label} did not exit within {took.TotalSeconds:0.#} s of SIGTERM; killed",
        _ => $"{label} exited with code {exitCode} after SIGTERM",
    };
}
