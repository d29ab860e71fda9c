using System.Runtime.InteropServices;

namespace Ops.TestWorker;

/// <summary>The calls a child makes to leave its process group, as daemons and job-control shells do.</summary>
internal static partial class Escaping
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setpgid(int pid, int pgid);
}
