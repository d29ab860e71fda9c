namespace Ops.Daemon.Logging;

/// <summary>
/// The stable property names of DESIGN.md. Every event opsd writes uses these names for these facts, so one Seq
/// query (<c>Program = 'web' and Instance = 0</c>) finds the daemon's events and the program's own lines alike.
/// </summary>
public static class LogProperties
{
    /// <summary>The host opsd runs on; on every event.</summary>
    public const string Host = "Host";

    /// <summary>Program name.</summary>
    public const string Program = "Program";

    /// <summary>Instance number (int).</summary>
    public const string Instance = "Instance";

    /// <summary>Process id (int).</summary>
    public const string Pid = "Pid";

    /// <summary>Instance state name.</summary>
    public const string State = "State";

    /// <summary>Why a transition happened: "exit 3", "signal 9", "health", ...</summary>
    public const string Reason = "Reason";

    /// <summary>Exit code (int).</summary>
    public const string ExitCode = "ExitCode";

    /// <summary>Task name.</summary>
    public const string Task = "Task";

    /// <summary>Hangfire job id.</summary>
    public const string JobId = "JobId";

    /// <summary>Attempt number of a task run (int, 1-based).</summary>
    public const string Attempt = "Attempt";

    /// <summary>Queue name.</summary>
    public const string Queue = "Queue";

    /// <summary>Of a child's output line: "stdout" or "stderr".</summary>
    public const string Stream = "Stream";

    /// <summary>Of a child's output line: the line itself.</summary>
    public const string Text = "Text";

    /// <summary>On events worth an alert: its kind (see <see cref="AlertEvents.Kinds"/>).</summary>
    public const string Alert = "Alert";
}
