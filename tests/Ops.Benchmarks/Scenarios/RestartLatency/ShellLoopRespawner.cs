using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>
/// The floor: <c>sh -c 'while true; do sh -c "CHILD"; done'</c>. No supervisor can restart faster than a shell that
/// waits for its child and runs the next one at once.
/// </summary>
internal sealed class ShellLoopRespawner : Respawner
{
    public const string Label = "floor: sh loop";

    private ShellLoopRespawner(LaunchedProcess process)
        : base(process)
    {
    }

    public static ShellLoopRespawner Start(string childScript, ProcessJanitor janitor)
    {
        // Inside the loop's double quotes, $$ must reach the inner shell unexpanded.
        var quoted = childScript.Replace("$", "\\$", StringComparison.Ordinal);
        return new ShellLoopRespawner(LaunchedProcess.Start(Label, "/bin/sh", ["-c", $"while true; do /bin/sh -c \"{quoted}\"; done"], janitor));
    }

    /// <summary>The loop and its child share one process group: end both at once.</summary>
    public override Task<string?> StopAsync()
    {
        Process.KillGroup();
        return Task.FromResult<string?>(null);
    }
}
