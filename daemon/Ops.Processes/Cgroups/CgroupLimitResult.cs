namespace Ops.Processes.Cgroups;

/// <summary>Whether a limit is in force, and if not, why (for the start log and <c>opsd validate</c>).</summary>
/// <param name="Enforced">True when the kernel accepted the limit.</param>
/// <param name="Reason">Why it is not enforced: no controller on this host, or the kernel's refusal; null when enforced.</param>
public readonly record struct CgroupLimitResult(bool Enforced, string? Reason)
{
    /// <summary>The limit is in force.</summary>
    public static CgroupLimitResult Ok { get; } = new(true, null);

    /// <summary>The limit is not in force, for <paramref name="reason"/>.</summary>
    public static CgroupLimitResult NotEnforced(string reason) => new(false, reason);
}
