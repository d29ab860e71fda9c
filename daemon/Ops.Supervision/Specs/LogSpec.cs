namespace Ops.Supervision.Specs;

/// <summary>Per-instance stdout/stderr files, rotated by size.</summary>
public sealed record LogSpec(long MaxFileBytes, int MaxFiles)
{
    /// <summary>50 MB per file, 10 files.</summary>
    public static LogSpec Default { get; } = new(50L * 1024 * 1024, 10);
}
