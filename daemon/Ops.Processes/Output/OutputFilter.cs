using Ops.Supervision.Os;

namespace Ops.Processes.Output;

/// <summary>Which lines a subscriber wants; a null part matches everything.</summary>
/// <param name="Program">Only this program.</param>
/// <param name="Instance">Only this instance (with <paramref name="Program"/>).</param>
/// <param name="Stream">Only this stream.</param>
public sealed record OutputFilter(string? Program = null, int? Instance = null, OutputStream? Stream = null)
{
    /// <summary>Every line of every instance (for shipping to Seq).</summary>
    public static OutputFilter All { get; } = new();

    /// <summary>True when <paramref name="line"/> passes the filter.</summary>
    public bool Matches(OutputLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return (Program is null || string.Equals(Program, line.Program, StringComparison.Ordinal))
            && (Instance is null || Instance == line.Instance)
            && (Stream is null || Stream == line.Stream);
    }
}
