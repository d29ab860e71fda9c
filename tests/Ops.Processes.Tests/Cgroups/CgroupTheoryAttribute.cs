namespace Ops.Processes.Tests.Cgroups;

/// <summary>A theory that is skipped, saying why, where cgroups cannot be written (never a silent pass).</summary>
internal sealed class CgroupTheoryAttribute : TheoryAttribute
{
    public CgroupTheoryAttribute()
    {
        if (CgroupSandbox.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
