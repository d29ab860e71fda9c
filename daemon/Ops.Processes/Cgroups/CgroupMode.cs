namespace Ops.Processes.Cgroups;

/// <summary>How this host contains processes: which cgroup hierarchies opsd uses, if any.</summary>
public enum CgroupMode
{
    /// <summary>No writable cgroup2 hierarchy: process groups and the launch-token sweep, as without cgroups.</summary>
    None,

    /// <summary>cgroup2 alone: tracking, kill, limits and accounting in one hierarchy.</summary>
    Unified,

    /// <summary>cgroup2 (without controllers) for tracking and kill, cgroup v1 controllers for limits and accounting.</summary>
    Hybrid,
}

/// <summary>Where a controller's limits and figures come from on this host.</summary>
public enum CgroupControllerSource
{
    /// <summary>Neither hierarchy offers the controller: its limits cannot be enforced.</summary>
    None,

    /// <summary>Enabled in the cgroup2 subtree.</summary>
    V2,

    /// <summary>A writable cgroup v1 mount of the controller.</summary>
    V1,
}
