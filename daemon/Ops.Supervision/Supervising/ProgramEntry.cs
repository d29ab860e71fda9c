using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Supervising;

/// <summary>One configured program and its instances.</summary>
internal sealed class ProgramEntry
{
    private const long BytesPerMegabyte = 1024L * 1024L;

    public ProgramEntry(ProgramSpec spec)
    {
        Spec = spec;
        Rules = RestartRules.From(spec);
        MemoryLimitBytes = spec.MemoryLimitMB > 0 ? spec.MemoryLimitMB * BytesPerMegabyte : 0;
    }

    public ProgramSpec Spec { get; }

    public string Name => Spec.Name;

    public RestartRules Rules { get; }

    /// <summary>0: no limit.</summary>
    public long MemoryLimitBytes { get; }

    public IReadOnlyList<Instance> Instances { get; set; } = [];
}
