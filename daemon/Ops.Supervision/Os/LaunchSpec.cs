using Ops.Supervision.Specs;

namespace Ops.Supervision.Os;

/// <summary>Everything the OS edge needs to start one instance, with placeholders already expanded.</summary>
/// <param name="Owner">The program instance or task-run slot launched (for orphan records, log file names and log properties).</param>
/// <param name="Command">Executable path or name on PATH.</param>
/// <param name="Args">argv after the command.</param>
/// <param name="WorkingDirectory">Null: the daemon's.</param>
/// <param name="Environment">Added to the daemon's environment.</param>
/// <param name="User">Run as this user; null: the daemon's.</param>
/// <param name="Log">Output file rotation.</param>
public sealed record LaunchSpec(
    LaunchOwner Owner,
    string Command,
    IReadOnlyList<string> Args,
    string? WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    string? User,
    LogSpec Log)
{
    /// <summary>When set, written to the child's stdin, which is then closed; otherwise stdin is /dev/null.</summary>
    public string? StandardInput { get; init; }

    /// <summary>False for runs that are not supervised instances (health commands): no orphan record, no log files.</summary>
    public bool Supervised { get; init; } = true;
}
