using System.Globalization;

namespace Ops.Processes.Cgroups;

public sealed partial class CgroupLeaf
{
    /// <summary>The CFS period opsd writes with a CPU quota: 100 ms, the kernel's default.</summary>
    public const long CpuPeriodMicroseconds = 100_000;

    /// <summary>The smallest quota the kernel accepts (1 ms per period).</summary>
    private const long MinCpuQuotaMicroseconds = 1_000;

    /// <summary><c>MemoryMax</c>: the OOM killer ends the leaf's processes past <paramref name="bytes"/>.</summary>
    public CgroupLimitResult SetMemoryMax(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        string value = bytes.ToString(CultureInfo.InvariantCulture);
        return SetLimit("memory", "MemoryMax", [("memory.max", value)], [("memory.limit_in_bytes", value)]);
    }

    /// <summary><c>MemoryHigh</c>: reclaim and throttling past <paramref name="bytes"/> (cgroup2 only: v1 has no such throttle).</summary>
    public CgroupLimitResult SetMemoryHigh(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        return SetLimit("memory", "MemoryHigh", [("memory.high", bytes.ToString(CultureInfo.InvariantCulture))], null);
    }

    /// <summary><c>CpuQuota</c> in percent of one core (150 = one and a half cores), per <see cref="CpuPeriodMicroseconds"/>.</summary>
    public CgroupLimitResult SetCpuQuota(double percentOfOneCore)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percentOfOneCore);
        long quota = Math.Max(MinCpuQuotaMicroseconds, (long)Math.Round(percentOfOneCore / 100 * CpuPeriodMicroseconds));
        string quotaText = quota.ToString(CultureInfo.InvariantCulture);
        string period = CpuPeriodMicroseconds.ToString(CultureInfo.InvariantCulture);

        // v1 checks the quota against the period in force, so the period goes first.
        return SetLimit("cpu", "CpuQuota", [("cpu.max", $"{quotaText} {period}")], [("cpu.cfs_period_us", period), ("cpu.cfs_quota_us", quotaText)]);
    }

    /// <summary><c>TasksMax</c>: processes and threads together (<c>pids.max</c>); a fork past it fails with EAGAIN.</summary>
    public CgroupLimitResult SetTasksMax(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        string value = tasks.ToString(CultureInfo.InvariantCulture);
        return SetLimit("pids", "TasksMax", [("pids.max", value)], [("pids.max", value)]);
    }

    /// <summary><c>IoWeight</c> 1..10000 (<c>io.weight</c>, cgroup2 only).</summary>
    public CgroupLimitResult SetIoWeight(int weight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 10_000);
        return SetLimit("io", "IoWeight", [("io.weight", "default " + weight.ToString(CultureInfo.InvariantCulture))], null);
    }

    private CgroupLimitResult SetLimit(string controller, string key, (string File, string Value)[] v2, (string File, string Value)[]? v1)
    {
        CgroupControllerSource source = _host.SourceOf(controller);
        (string Directory, (string File, string Value)[] Writes)? target = source switch
        {
            CgroupControllerSource.V2 => (Path, v2),
            CgroupControllerSource.V1 when v1 is not null && V1Paths.TryGetValue(controller, out string? v1Path) => (v1Path, v1),
            _ => null,
        };

        if (target is not { } found)
        {
            string why = source == CgroupControllerSource.V1
                ? $"cgroup v1 has no equivalent of {key} (the {controller} controller is only available as cgroup v1 on this host)"
                : $"the {controller} controller is not available: cgroup2 at {_host.ControllerTop} does not offer it and no writable cgroup v1 {controller} hierarchy is mounted";
            return CgroupLimitResult.NotEnforced($"{key} cannot be enforced: {why}");
        }

        foreach ((string file, string value) in found.Writes)
        {
            if (!CgroupFiles.TryWrite(System.IO.Path.Combine(found.Directory, file), value, out string? error))
            {
                return CgroupLimitResult.NotEnforced($"{key} cannot be enforced: {error}");
            }
        }

        return CgroupLimitResult.Ok;
    }
}
