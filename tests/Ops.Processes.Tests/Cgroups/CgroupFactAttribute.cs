namespace Ops.Processes.Tests.Cgroups;

/// <summary>A fact that is skipped, saying why, where cgroups cannot be written (never a silent pass).</summary>
internal sealed class CgroupFactAttribute : FactAttribute
{
    public CgroupFactAttribute()
    {
        if (CgroupSandbox.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
