using Ops.Supervision.Specs;

namespace Ops.Daemon.Configuration;

/// <summary>
/// One program of the config as read, in one pass: the spec the supervisor runs and the settings of its Log section
/// that only the daemon's Seq shipping reads (the supervision layer knows nothing of Seq).
/// </summary>
/// <param name="Spec">What to run and how (Ops:Programs:NAME).</param>
/// <param name="Log">Whether and at which levels its output goes to Seq (Log:ToSeq, Log:Level).</param>
public sealed record ProgramEntry(ProgramSpec Spec, ProgramLogSettings Log)
{
    /// <summary>A program with the default Seq shipping.</summary>
    public ProgramEntry(ProgramSpec spec)
        : this(spec, ProgramLogSettings.Default)
    {
    }
}
