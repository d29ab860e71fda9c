using Ops.Processes.Native;

namespace Ops.Processes.Orphans;

/// <summary>How to end an orphaned group: this signal first, SIGKILL after <paramref name="Timeout"/>.</summary>
/// <param name="Signal">A Linux signal number (the program's StopSignal).</param>
/// <param name="Timeout">The program's StopTimeout.</param>
public readonly record struct OrphanStopPolicy(int Signal, TimeSpan Timeout)
{
    /// <summary>SIGTERM, then SIGKILL after 5 s: for records of programs no longer configured.</summary>
    public static OrphanStopPolicy Default { get; } = new(LinuxConstants.SIGTERM, TimeSpan.FromSeconds(5));
}
