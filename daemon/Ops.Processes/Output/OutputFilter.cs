using Ops.Supervision.Os;

namespace Ops.Processes.Output;

/// <summary>Which lines a subscriber wants; a null part matches everything.</summary>
/// <param name="Owner">Only lines of this instance or task-run slot.</param>
/// <param name="Stream">Only this stream.</param>
public sealed record OutputFilter(LaunchOwner? Owner = null, OutputStream? Stream = null)
{
    /// <summary>Every line of every instance (for shipping to Seq).</summary>
    public static OutputFilter All { get; } = new();

    /// <summary>True when <paramref name="line"/> passes the filter.</summary>
    public bool Matches(OutputLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return (Owner is null || Owner == line.Owner)
            && (Stream is null || Stream == line.Stream);
    }
}
