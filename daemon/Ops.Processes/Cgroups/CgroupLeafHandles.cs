using Ops.Processes.Native;

namespace Ops.Processes.Cgroups;

/// <summary>
/// Descriptors of one leaf for a spawn, all close-on-exec: the cgroup2 directory for <c>clone3(CLONE_INTO_CGROUP)</c>
/// and the <c>cgroup.procs</c> files a child writes "0" into before it execs (that moves the writer itself).
/// </summary>
public sealed class CgroupLeafHandles : IDisposable
{
    private bool _disposed;

    internal CgroupLeafHandles(int directoryFd, IReadOnlyList<int> procsFds)
    {
        DirectoryFd = directoryFd;
        ProcsFds = procsFds;
    }

    /// <summary>The leaf's cgroup2 directory, opened O_RDONLY|O_DIRECTORY.</summary>
    public int DirectoryFd { get; }

    /// <summary>The <c>cgroup.procs</c> files, opened O_WRONLY, in the order of <see cref="CgroupLeaf.ProcsPaths"/>.</summary>
    public IReadOnlyList<int> ProcsFds { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            FileDescriptors.Close(DirectoryFd);
            foreach (int fd in ProcsFds)
            {
                FileDescriptors.Close(fd);
            }
        }
    }
}
