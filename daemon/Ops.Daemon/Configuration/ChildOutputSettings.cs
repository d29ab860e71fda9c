namespace Ops.Daemon.Configuration;

/// <summary>How opsd ships the output lines of its programs to Seq (Ops:Logging:ChildOutput).</summary>
/// <param name="BufferLines">
/// Lines buffered per instance between the output pump and the Seq sink; when a child prints faster than that, further
/// lines are dropped for Seq only (they are still in the instance's files) and counted.
/// </param>
/// <param name="DropReportInterval">How often the count of dropped lines is logged, one Warning per instance.</param>
public sealed record ChildOutputSettings(int BufferLines, TimeSpan DropReportInterval)
{
    /// <summary>10,000 lines per instance, dropped lines reported every 10 seconds.</summary>
    public static ChildOutputSettings Default { get; } = new(10_000, TimeSpan.FromSeconds(10));
}
