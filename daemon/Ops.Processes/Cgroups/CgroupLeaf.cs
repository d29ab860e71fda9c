using System.ComponentModel;
using Ops.Processes.Native;

namespace Ops.Processes.Cgroups;

/// <summary>
/// The cgroup of one instance or task-run slot: its cgroup2 directory (tracking, signals, kill, the empty event) and,
/// in hybrid mode, the matching cgroup v1 directories of the limit controllers. Limits and accounting are in
/// CgroupLeaf.Limits.cs and CgroupLeaf.Accounting.cs.
/// </summary>
public sealed partial class CgroupLeaf
{
    /// <summary>Signal rounds before <see cref="Signal"/> gives up on a cgroup whose processes keep forking.</summary>
    public const int MaxSignalRounds = 32;

    private readonly CgroupHost _host;
    private readonly CgroupEventWatcher _watcher;

    internal CgroupLeaf(CgroupHost host, CgroupEventWatcher watcher, string folder, string owner, string number)
    {
        _host = host;
        _watcher = watcher;
        RelativePath = System.IO.Path.Combine(folder, owner, number);
        Path = System.IO.Path.Combine(host.SubtreeRoot!, RelativePath);
        V1Paths = host.V1Roots.ToDictionary(r => r.Key, r => System.IO.Path.Combine(r.Value, CgroupTree.V1Folder(folder), owner, number));
    }

    /// <summary>The leaf below the subtree root: <c>programs/web/0</c>, <c>tasks/backup/1</c>.</summary>
    public string RelativePath { get; }

    /// <summary>The cgroup2 directory.</summary>
    public string Path { get; }

    /// <summary>
    /// In hybrid mode, the cgroup v1 directory per controller taken from v1 (memory, cpu, pids); task slots sit in
    /// <see cref="CgroupTree.V1TasksFolder"/> there.
    /// </summary>
    public IReadOnlyDictionary<string, string> V1Paths { get; }

    /// <summary>
    /// Every <c>cgroup.procs</c> a process must be written to, cgroup2 first: a child writes "0" into each before it
    /// execs (distinct directories: a co-mounted v1 hierarchy appears once).
    /// </summary>
    public IReadOnlyList<string> ProcsPaths =>
        [System.IO.Path.Combine(Path, "cgroup.procs"), .. V1Paths.Values.Distinct().Select(p => System.IO.Path.Combine(p, "cgroup.procs"))];

    private string EventsPath => System.IO.Path.Combine(Path, "cgroup.events");

    /// <summary>The processes in the leaf now (from cgroup2's <c>cgroup.procs</c>).</summary>
    public IReadOnlyList<int> Pids() => CgroupFiles.ReadPids(System.IO.Path.Combine(Path, "cgroup.procs"));

    /// <summary>True while a process is in the leaf (<c>cgroup.events</c>: <c>populated 1</c>); false once it is gone.</summary>
    public bool IsPopulated => CgroupEventWatcher.IsPopulated(EventsPath);

    /// <summary>
    /// Sends <paramref name="signal"/> to every process in the leaf, reading it again after each round until no new
    /// process appears (processes fork meanwhile), at most <see cref="MaxSignalRounds"/> rounds. Returns how many
    /// processes were signalled. A pid is signalled through a pidfd after checking that process is still in this leaf,
    /// so a pid reused by another process in between is never hit.
    /// </summary>
    public int Signal(int signal)
    {
        string own = "0::/" + System.IO.Path.GetRelativePath(_host.V2Mount!, Path);
        var signalled = new HashSet<int>();
        for (int round = 0; round < MaxSignalRounds; round++)
        {
            List<int> fresh = [.. Pids().Where(pid => !signalled.Contains(pid))];
            if (fresh.Count == 0)
            {
                break;
            }

            foreach (int pid in fresh)
            {
                signalled.Add(pid);
                _ = PinnedSignal.SignalIf(pid, signal, own, static (p, line) => IsMember(p, line));
            }
        }

        return signalled.Count;
    }

    /// <summary>
    /// Kills every process in the leaf at once by writing "1" to <c>cgroup.kill</c> (kernel 5.14 and later); where that
    /// file is missing, SIGKILL rounds as <see cref="Signal"/> does. Returns without waiting: <see cref="WaitEmptyAsync"/>.
    /// </summary>
    public void Kill()
    {
        string killPath = System.IO.Path.Combine(Path, "cgroup.kill");
        if (File.Exists(killPath))
        {
            CgroupFiles.Write(killPath, "1");
            return;
        }

        _ = Signal(LinuxConstants.SIGKILL);
    }

    /// <summary>
    /// Completes true when the leaf empties (<c>populated 0</c>, seen as an inotify event on <c>cgroup.events</c>, not
    /// polled), false when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<bool> WaitEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _watcher.WaitEmptyAsync(EventsPath, timeout, cancellationToken);

    /// <summary>
    /// Removes the leaf's directories (cgroup2 and v1). False while a process is still in it; true once removed or when
    /// it never existed. The parents (<c>programs/web</c>) stay for the next instance.
    /// </summary>
    /// <exception cref="IOException">A directory cannot be removed for another reason than being busy.</exception>
    public bool Remove()
    {
        if (IsPopulated)
        {
            return false;
        }

        foreach (string directory in (string[])[Path, .. V1Paths.Values.Distinct()])
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (DirectoryNotFoundException)
            {
                // Already gone.
            }
            catch (IOException) when (Directory.Exists(directory) && Pids().Count > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Opens the leaf for a spawn: its cgroup2 directory (for <c>clone3(CLONE_INTO_CGROUP)</c>) and every
    /// <see cref="ProcsPaths"/> file for writing, all close-on-exec. The caller owns and disposes them.
    /// </summary>
    /// <exception cref="Win32Exception">A directory or file cannot be opened.</exception>
    public CgroupLeafHandles OpenHandles()
    {
        var fds = new List<int>();
        try
        {
            int directory = Open(Path, LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY | LinuxConstants.O_CLOEXEC);
            fds.Add(directory);
            foreach (string procs in ProcsPaths)
            {
                fds.Add(Open(procs, LinuxConstants.O_WRONLY | LinuxConstants.O_CLOEXEC));
            }

            return new CgroupLeafHandles(directory, fds[1..]);
        }
        catch
        {
            fds.ForEach(FileDescriptors.Close);
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    private static int Open(string path, int flags)
    {
        int fd = Libc.open(path, flags);
        if (fd < 0)
        {
            int errno = Errno.Last;
            throw new Win32Exception(errno, $"open({path}) failed: {Errno.Describe(errno)}");
        }

        return fd;
    }

    /// <summary>True when <paramref name="pid"/>'s cgroup2 line is <paramref name="ownLine"/>.</summary>
    private static bool IsMember(int pid, string ownLine) =>
        CgroupFiles.TryRead($"/proc/{pid}/cgroup") is { } cgroups && cgroups.Split('\n').Contains(ownLine);
}
