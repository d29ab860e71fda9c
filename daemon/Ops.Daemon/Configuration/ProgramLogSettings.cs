using Ops.Supervision.Os;
using Serilog.Events;

namespace Ops.Daemon.Configuration;

/// <summary>Whether and at which level the output lines of one program become events in Seq.</summary>
/// <param name="ToSeq">Ops:Programs:NAME:Log:ToSeq (default true; only matters when Ops:Logging:Seq is set).</param>
/// <param name="Stdout">The level of stdout lines; null ("Off") ships none.</param>
/// <param name="Stderr">The level of stderr lines; null ("Off") ships none.</param>
public sealed record ProgramLogSettings(bool ToSeq, LogEventLevel? Stdout, LogEventLevel? Stderr)
{
    /// <summary>Shipped; stdout at Information, stderr at Warning.</summary>
    public static ProgramLogSettings Default { get; } = new(true, LogEventLevel.Information, LogEventLevel.Warning);

    /// <summary>The level of lines on <paramref name="stream"/>; null when they are not shipped.</summary>
    public LogEventLevel? LevelOf(OutputStream stream) => stream == OutputStream.Stderr ? Stderr : Stdout;
}
