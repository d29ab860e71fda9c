namespace Ops.Processes;

/// <summary>Where the OS edge keeps its files; the daemon fills it from configuration.</summary>
public sealed class ProcessOptions
{
    /// <summary>Durable daemon state; orphan records live in its <c>groups</c> folder.</summary>
    public string StateDirectory { get; set; } = string.Empty;

    /// <summary>Per-instance output files of programs (<c>&lt;program&gt;-&lt;instance&gt;.out.log</c>, <c>.err.log</c>).</summary>
    public string LogDirectory { get; set; } = string.Empty;

    /// <summary>
    /// Per-slot output files of task runs (<c>&lt;task&gt;-&lt;slot&gt;.out.log</c>, <c>.err.log</c>), apart from the
    /// programs' so that no program name can share a task's files. Empty: a <c>tasks</c> folder beside
    /// <see cref="LogDirectory"/>.
    /// </summary>
    public string TaskLogDirectory { get; set; } = string.Empty;
}
