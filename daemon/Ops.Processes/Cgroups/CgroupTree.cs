using System.Globalization;

namespace Ops.Processes.Cgroups;

/// <summary>
/// opsd's cgroup subtree: <c>programs/&lt;program&gt;/&lt;n&gt;</c> and <c>tasks/&lt;task&gt;/&lt;slot&gt;</c> below the
/// host's subtree root, with the controllers enabled down to each leaf's parent (cgroup2) or mirrored as cgroup v1
/// directories (hybrid mode).
/// </summary>
public sealed class CgroupTree
{
    /// <summary>The folder of instance leaves.</summary>
    public const string ProgramsFolder = "programs";

    /// <summary>The folder of task-run slot leaves.</summary>
    public const string TasksFolder = "tasks";

    /// <summary>
    /// The v1 mirror of <see cref="TasksFolder"/>: every cgroup v1 directory has a control file named <c>tasks</c>,
    /// so the folder cannot have that name there.
    /// </summary>
    public const string V1TasksFolder = "task-runs";

    /// <summary>The name of a subtree folder in the cgroup v1 mirrors.</summary>
    internal static string V1Folder(string folder) => folder == TasksFolder ? V1TasksFolder : folder;

    private readonly CgroupEventWatcher _watcher;

    /// <summary>A tree over <paramref name="host"/>'s subtree; nothing is created before <see cref="Ensure"/>.</summary>
    /// <exception cref="InvalidOperationException">The host has no cgroup to use (mode None).</exception>
    public CgroupTree(CgroupHost host)
        : this(host, null)
    {
    }

    internal CgroupTree(CgroupHost host, CgroupEventWatcher? watcher)
    {
        if (host.Mode == CgroupMode.None || host.SubtreeRoot is null)
        {
            throw new InvalidOperationException("no cgroup tree on this host: " + host.Reason);
        }

        Host = host;
        _watcher = watcher ?? CgroupEventWatcher.Shared;
    }

    /// <summary>The host the tree lives on.</summary>
    public CgroupHost Host { get; }

    /// <summary>True for a name a leaf may carry: <c>[a-z0-9][a-z0-9_-]*</c>, as program and task names are.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && IsLowerOrDigit(name[0]) && name.All(c => IsLowerOrDigit(c) || c is '_' or '-');

    /// <summary>
    /// Creates the subtree (<c>programs/</c>, <c>tasks/</c>, and their v1 mirrors) and enables the cgroup2 controllers
    /// the host offers from the controller top down. Under delegation opsd's own process first moves into its
    /// <c>daemon</c> leaf, since a cgroup holding a process cannot enable controllers for its children. Returns the
    /// controllers that could not be enabled, one sentence each (their limits will then say why they are not enforced).
    /// </summary>
    /// <exception cref="IOException">A directory of the subtree cannot be created.</exception>
    public IReadOnlyList<string> Ensure()
    {
        _ = Host.MoveSelfIntoDaemonLeaf();
        var problems = new List<string>();
        string root = Host.SubtreeRoot!;
        foreach (string folder in (string[])[ProgramsFolder, TasksFolder])
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            foreach (string v1Root in Host.V1Roots.Values.Distinct())
            {
                Directory.CreateDirectory(Path.Combine(v1Root, V1Folder(folder)));
            }
        }

        // From the top down: a directory can enable for its children only what its parent enabled for it.
        string top = Host.ControllerTop!;
        List<string> chain = [top];
        foreach (string part in Path.GetRelativePath(top, root).Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."))
        {
            chain.Add(Path.Combine(chain[^1], part));
        }

        chain.Add(Path.Combine(root, ProgramsFolder));
        chain.Add(Path.Combine(root, TasksFolder));
        foreach (string directory in chain.Distinct())
        {
            EnableControllers(directory, problems);
        }

        return problems;
    }

    /// <summary>The leaf of instance <paramref name="instance"/> of <paramref name="program"/>, created if missing.</summary>
    /// <exception cref="ArgumentException">The program name is not a valid cgroup name, or the instance is negative.</exception>
    public CgroupLeaf ProgramLeaf(string program, int instance) => CreateLeaf(ProgramsFolder, program, instance);

    /// <summary>The leaf of run slot <paramref name="slot"/> of <paramref name="task"/>, created if missing.</summary>
    /// <exception cref="ArgumentException">The task name is not a valid cgroup name, or the slot is negative.</exception>
    public CgroupLeaf TaskLeaf(string task, int slot) => CreateLeaf(TasksFolder, task, slot);

    /// <summary>Every leaf that exists in the subtree (for the orphan reaper: a daemon that died leaves them behind).</summary>
    public IReadOnlyList<CgroupLeaf> Leaves()
    {
        var leaves = new List<CgroupLeaf>();
        foreach (string folder in (string[])[ProgramsFolder, TasksFolder])
        {
            string parent = Path.Combine(Host.SubtreeRoot!, folder);
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (string owner in Directory.EnumerateDirectories(parent).Order(StringComparer.Ordinal))
            {
                foreach (string leaf in Directory.EnumerateDirectories(owner).Order(StringComparer.Ordinal))
                {
                    if (IsValidName(Path.GetFileName(owner)) && int.TryParse(Path.GetFileName(leaf), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        leaves.Add(new CgroupLeaf(Host, _watcher, folder, Path.GetFileName(owner), Path.GetFileName(leaf)));
                    }
                }
            }
        }

        return leaves;
    }

    /// <summary>The leaves that hold a process now.</summary>
    public IReadOnlyList<CgroupLeaf> PopulatedLeaves() => [.. Leaves().Where(l => l.IsPopulated)];

    private CgroupLeaf CreateLeaf(string folder, string owner, int number)
    {
        if (!IsValidName(owner))
        {
            throw new ArgumentException($"\"{owner}\" is not a valid cgroup leaf name: it must match [a-z0-9][a-z0-9_-]*", nameof(owner));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(number);
        string ownerDirectory = Path.Combine(Host.SubtreeRoot!, folder, owner);
        Directory.CreateDirectory(ownerDirectory);
        EnableControllers(ownerDirectory, problems: null);

        var leaf = new CgroupLeaf(Host, _watcher, folder, owner, number.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(leaf.Path);
        foreach (string v1 in leaf.V1Paths.Values.Distinct())
        {
            Directory.CreateDirectory(v1);
        }

        return leaf;
    }

    /// <summary>Enables, one by one, the cgroup2 limit controllers that <paramref name="directory"/> has but does not yet pass on.</summary>
    private void EnableControllers(string directory, List<string>? problems)
    {
        string[] available = (CgroupFiles.TryRead(Path.Combine(directory, "cgroup.controllers")) ?? string.Empty).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        string[] enabled = (CgroupFiles.TryRead(Path.Combine(directory, "cgroup.subtree_control")) ?? string.Empty).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        foreach (string controller in CgroupHost.LimitControllers.Where(c => Host.SourceOf(c) == CgroupControllerSource.V2 && available.Contains(c) && !enabled.Contains(c)))
        {
            if (!CgroupFiles.TryWrite(Path.Combine(directory, "cgroup.subtree_control"), "+" + controller, out string? error))
            {
                problems?.Add($"cannot enable the {controller} controller below {directory}: {error}");
            }
        }
    }

    private static bool IsLowerOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
