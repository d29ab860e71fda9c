using System.Text;
using Ops.Processes.Native;

namespace Ops.Processes.Cgroups;

/// <summary>
/// What this host offers for containment, detected once at start from the mount table, opsd's own cgroup and the
/// controllers cgroup2 offers: the mode, the subtree root opsd owns and where each limit controller lives.
/// </summary>
public sealed class CgroupHost
{
    /// <summary>The controllers whose limits opsd sets, in the order they are enabled.</summary>
    public static readonly IReadOnlyList<string> LimitControllers = ["memory", "cpu", "pids", "io"];

    /// <summary>The leaf opsd's own process moves into under delegation (no internal processes).</summary>
    public const string DaemonLeafName = "daemon";

    private CgroupHost(CgroupMode mode, string reason)
    {
        Mode = mode;
        Reason = reason;
    }

    /// <summary>The containment mode.</summary>
    public CgroupMode Mode { get; }

    /// <summary>
    /// A sentence saying why this mode: for <see cref="CgroupMode.None"/> the path tried and why it cannot be used,
    /// for the others where the subtree is and where the controllers come from.
    /// </summary>
    public string Reason { get; }

    /// <summary>The cgroup2 mount point (with the root folder prefix), or null when none is mounted.</summary>
    public string? V2Mount { get; private init; }

    /// <summary>opsd's own cgroup2 directory, or null when unknown.</summary>
    public string? OwnCgroup { get; private init; }

    /// <summary>True when the subtree is opsd's own service cgroup delegated by systemd.</summary>
    public bool IsDelegated { get; private init; }

    /// <summary>The cgroup2 directory of opsd's subtree (holds <c>programs/</c> and <c>tasks/</c>), or null in mode None.</summary>
    public string? SubtreeRoot { get; private init; }

    /// <summary>
    /// The cgroup2 directory whose <c>cgroup.controllers</c> says what the subtree can have; controllers are enabled
    /// in <c>cgroup.subtree_control</c> from here down to each leaf's parent.
    /// </summary>
    public string? ControllerTop { get; private init; }

    /// <summary>Controllers cgroup2 offers at <see cref="ControllerTop"/>.</summary>
    public IReadOnlySet<string> V2Controllers { get; private init; } = new HashSet<string>();

    /// <summary>Writable cgroup v1 mounts by controller name (a co-mounted <c>cpu,cpuacct</c> appears under both).</summary>
    public IReadOnlyDictionary<string, string> V1Mounts { get; private init; } = new Dictionary<string, string>();

    /// <summary>Where each of <see cref="LimitControllers"/> comes from.</summary>
    public IReadOnlyDictionary<string, CgroupControllerSource> Controllers { get; private init; } =
        new Dictionary<string, CgroupControllerSource>();

    /// <summary>For controllers from v1: the v1 directory that mirrors <see cref="SubtreeRoot"/>.</summary>
    public IReadOnlyDictionary<string, string> V1Roots { get; private init; } = new Dictionary<string, string>();

    /// <summary>The source of <paramref name="controller"/>, <see cref="CgroupControllerSource.None"/> when unknown.</summary>
    public CgroupControllerSource SourceOf(string controller) =>
        Controllers.TryGetValue(controller, out CgroupControllerSource source) ? source : CgroupControllerSource.None;

    /// <summary>
    /// Detects the host. <paramref name="configuredRoot"/> is <c>Ops:Host:CgroupRoot</c> (absolute, below the cgroup2
    /// mount; default <c>&lt;mount&gt;/opsd</c>), used unless opsd runs in a delegated systemd service cgroup.
    /// <paramref name="fsRoot"/> prefixes every path read (<c>/proc/self/...</c>, the mounts), for tests over fixtures.
    /// </summary>
    public static CgroupHost Detect(string? configuredRoot = null, string fsRoot = "/")
    {
        string mountInfoPath = Under(fsRoot, "/proc/self/mountinfo");
        List<MountEntry> mounts;
        try
        {
            mounts = ParseMountInfo(File.ReadAllLines(mountInfoPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CgroupHost(CgroupMode.None, $"cannot read the mount table {mountInfoPath}: {ex.Message}");
        }

        MountEntry? v2 = mounts.LastOrDefault(m => m.FsType == "cgroup2");
        if (v2 is null)
        {
            return new CgroupHost(CgroupMode.None, $"no cgroup2 hierarchy is mounted (looked in {mountInfoPath}); cgroup v1 alone cannot track a program's processes");
        }

        string v2Mount = Under(fsRoot, v2.MountPoint);
        if (v2.ReadOnly)
        {
            return new CgroupHost(CgroupMode.None, $"cgroup2 at {v2Mount} is mounted read-only (a container without cgroup delegation?)") { V2Mount = v2Mount };
        }

        Dictionary<string, string> ownPaths = ReadOwnCgroups(Under(fsRoot, "/proc/self/cgroup"));
        string? own = ownPaths.TryGetValue(string.Empty, out string? ownRelative) ? InMount(v2Mount, v2.Root, ownRelative) : null;

        // After the move into its daemon leaf (an earlier Detect in this process), the service cgroup is the parent.
        string? service = own is null ? null
            : own.EndsWith(".service", StringComparison.Ordinal) ? own
            : Path.GetFileName(own) == DaemonLeafName && Path.GetDirectoryName(own) is { } parent && parent.EndsWith(".service", StringComparison.Ordinal) ? parent
            : null;
        bool delegated = service is not null && Writable(service) && Writable(Path.Combine(service, "cgroup.subtree_control"))
            && Writable(Path.Combine(service, "cgroup.procs"));

        string root = delegated ? service! : configuredRoot is null ? Path.Combine(v2Mount, "opsd") : Under(fsRoot, configuredRoot);
        string rootFull = Path.GetFullPath(root);
        if (!rootFull.StartsWith(v2Mount.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return new CgroupHost(CgroupMode.None, $"the cgroup root {rootFull} is not below the cgroup2 mount {v2Mount}") { V2Mount = v2Mount, OwnCgroup = own };
        }

        string existing = NearestExisting(rootFull, v2Mount);
        if (!Writable(existing))
        {
            string why = existing == rootFull ? $"{rootFull} is not writable" : $"{rootFull} does not exist and {existing} is not writable";
            return new CgroupHost(CgroupMode.None, $"cannot use the cgroup root {rootFull}: {why} (permission denied)") { V2Mount = v2Mount, OwnCgroup = own };
        }

        // Delegated: the service cgroup's own controllers are what systemd handed over. Elsewhere the root's parent
        // distributes them (opsd enables them from there down).
        string top = delegated ? rootFull : existing == rootFull ? Path.GetDirectoryName(rootFull)! : existing;
        if (!top.StartsWith(v2Mount, StringComparison.Ordinal))
        {
            top = v2Mount;
        }

        HashSet<string> offered = ReadControllers(Path.Combine(top, "cgroup.controllers"));
        var v1Mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (MountEntry mount in mounts.Where(m => m.FsType == "cgroup" && !m.ReadOnly))
        {
            foreach (string option in mount.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro") && !o.Contains('=', StringComparison.Ordinal)))
            {
                v1Mounts.TryAdd(option, Under(fsRoot, mount.MountPoint));
            }
        }

        string relative = Path.GetRelativePath(v2Mount, rootFull);
        var sources = new Dictionary<string, CgroupControllerSource>(StringComparer.Ordinal);
        var v1Roots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string controller in LimitControllers)
        {
            if (offered.Contains(controller))
            {
                sources[controller] = CgroupControllerSource.V2;
            }
            else if (controller != "io" && v1Mounts.TryGetValue(controller, out string? v1Mount) && Writable(v1Mount))
            {
                sources[controller] = CgroupControllerSource.V1;
                v1Roots[controller] = Path.Combine(v1Mount, relative);
            }
            else
            {
                sources[controller] = CgroupControllerSource.None;
            }
        }

        bool hybrid = sources.Values.Any(s => s == CgroupControllerSource.V1);
        string where = delegated ? $"opsd's delegated service cgroup {rootFull}" : $"the cgroup root {rootFull}";
        string controllers = string.Join(", ", sources.Select(s => $"{s.Key}: {Describe(s.Value)}"));
        return new CgroupHost(
            hybrid ? CgroupMode.Hybrid : CgroupMode.Unified,
            hybrid
                ? $"cgroup2 at {v2Mount} tracks and kills in {where}; its controllers come from cgroup v1 where cgroup2 lacks them ({controllers})"
                : $"cgroup2 at {v2Mount} contains everything in {where} ({controllers})")
        {
            V2Mount = v2Mount,
            OwnCgroup = own,
            IsDelegated = delegated,
            SubtreeRoot = rootFull,
            ControllerTop = top,
            V2Controllers = offered,
            V1Mounts = v1Mounts,
            Controllers = sources,
            V1Roots = v1Roots,
        };
    }

    /// <summary>
    /// Under delegation, moves opsd's own process out of its service cgroup into <c>&lt;service&gt;/daemon</c>:
    /// cgroup2 lets a cgroup enable controllers for children only when it holds no process itself. Returns the leaf's
    /// path; does nothing (returns null) when the subtree is not opsd's own cgroup.
    /// </summary>
    /// <exception cref="IOException">The leaf cannot be created or the process not moved.</exception>
    public string? MoveSelfIntoDaemonLeaf()
    {
        if (!IsDelegated || SubtreeRoot is null)
        {
            return null;
        }

        string leaf = Path.Combine(SubtreeRoot, DaemonLeafName);
        Directory.CreateDirectory(leaf);

        // Every process of opsd's service cgroup moves (opsd is normally alone; an ExecStartPre helper may linger).
        foreach (string line in File.ReadAllLines(Path.Combine(SubtreeRoot, "cgroup.procs")))
        {
            if (line.Length > 0)
            {
                CgroupFiles.Write(Path.Combine(leaf, "cgroup.procs"), line);
            }
        }

        return leaf;
    }

    private static string Describe(CgroupControllerSource source) => source switch
    {
        CgroupControllerSource.V2 => "cgroup2",
        CgroupControllerSource.V1 => "cgroup v1",
        _ => "unavailable",
    };

    private static string Under(string fsRoot, string absolute) =>
        fsRoot == "/" ? absolute : Path.Join(fsRoot, absolute);

    /// <summary>A hierarchy path from /proc/self/cgroup as a directory of the mount whose root is <paramref name="mountRoot"/>.</summary>
    private static string InMount(string mount, string mountRoot, string path)
    {
        // A container's mount may start below the hierarchy's root: strip that part of the path.
        string inside = mountRoot != "/" && path.StartsWith(mountRoot, StringComparison.Ordinal) ? path[mountRoot.Length..] : path;
        return Path.TrimEndingDirectorySeparator(Path.Join(mount, inside));
    }

    private static string NearestExisting(string path, string stop)
    {
        string current = path;
        while (!Directory.Exists(current) && current.Length > stop.Length && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }

    private static bool Writable(string path) => Libc.access(path, LinuxConstants.W_OK) == 0;

    private static HashSet<string> ReadControllers(string path)
    {
        try
        {
            return [.. File.ReadAllText(path).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>/proc/self/cgroup: "0::/path" for cgroup2 (key ""), "N:memory,cpu:/path" for v1 (one key per controller).</summary>
    private static Dictionary<string, string> ReadOwnCgroups(string path)
    {
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadAllLines(path))
            {
                string[] parts = line.Split(':', 3);
                if (parts.Length == 3)
                {
                    foreach (string controller in parts[1].Split(','))
                    {
                        own.TryAdd(controller, parts[2]);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unknown own cgroup: no delegation can be detected; the configured root still works.
        }

        return own;
    }

    private static List<MountEntry> ParseMountInfo(IEnumerable<string> lines)
    {
        var entries = new List<MountEntry>();
        foreach (string line in lines)
        {
            // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
            int separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            string[] left = line[..separator].Split(' ');
            string[] right = line[(separator + 3)..].Split(' ');
            if (left.Length < 6 || right.Length < 3)
            {
                continue;
            }

            bool readOnly = left[5].Split(',').Contains("ro") || right[2].Split(',').Contains("ro");
            entries.Add(new MountEntry(Unescape(left[3]), Unescape(left[4]), readOnly, right[0], right[2]));
        }

        return entries;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as three octal digits.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> digits) => digits.IndexOfAnyExceptInRange('0', '7') < 0;

    private sealed record MountEntry(string Root, string MountPoint, bool ReadOnly, string FsType, string SuperOptions);
}
