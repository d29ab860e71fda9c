using System.Globalization;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>One line of /proc/&lt;pid&gt;/stat: who a process is and where it hangs in the tree.</summary>
internal readonly record struct ProcStat(int Pid, string Comm, char State, int ParentPid, int ProcessGroup);

/// <summary>Reads /proc: the process tree, and a process's memory and threads.</summary>
internal static class ProcFs
{
    /// <summary>The stat line of <paramref name="pid"/>, or null when it is gone.</summary>
    public static ProcStat? TryReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // comm is in parentheses and may itself hold spaces or ')': the fields after it start at the last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var rest = text[(close + 2)..].Split(' ');
        return new ProcStat(
            pid,
            text[(open + 1)..close],
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            int.Parse(rest[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Every process id in /proc right now.</summary>
    public static IEnumerable<int> AllPids()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Every live process below <paramref name="ancestor"/> (children, grandchildren, ...), zombies included.</summary>
    public static List<ProcStat> Descendants(int ancestor)
    {
        var all = AllPids().Select(TryReadStat).OfType<ProcStat>().ToList();
        var byParent = all.ToLookup(p => p.ParentPid);
        var found = new List<ProcStat>();
        var queue = new Queue<int>([ancestor]);
        while (queue.Count > 0)
        {
            foreach (var child in byParent[queue.Dequeue()])
            {
                found.Add(child);
                queue.Enqueue(child.Pid);
            }
        }

        return found;
    }

    /// <summary>
    /// CPU time of <paramref name="pid"/> from /proc/&lt;pid&gt;/stat: its own (user + system) and that of its children
    /// it has already reaped; null when it is gone. Linux reports both in USER_HZ ticks, which are 10 ms everywhere.
    /// </summary>
    public static (TimeSpan Own, TimeSpan ReapedChildren)? TryReadCpu(int pid)
    {
        if (TryReadText($"/proc/{pid}/stat") is not { } text)
        {
            return null;
        }

        // Fields after the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        TimeSpan Ticks(int first, int second) =>
            TimeSpan.FromMilliseconds(10 * (long.Parse(rest[first], CultureInfo.InvariantCulture) + long.Parse(rest[second], CultureInfo.InvariantCulture)));
        return (Ticks(11, 12), Ticks(13, 14));
    }

    /// <summary>
    /// CPU time of every live thread of <paramref name="pid"/> so far, by thread id, with the thread's name (comm,
    /// e.g. ".NET TP Worker"); threads that are gone are left out.
    /// </summary>
    public static Dictionary<int, (string Name, TimeSpan Cpu)> ThreadCpu(int pid)
    {
        var threads = new Dictionary<int, (string, TimeSpan)>();
        foreach (var directory in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                && TryReadText($"{directory}/stat") is { } text)
            {
                var name = text[(text.IndexOf('(', StringComparison.Ordinal) + 1)..text.LastIndexOf(')')];
                var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                threads[tid] = (name, TimeSpan.FromMilliseconds(10 * ticks));
            }
        }

        return threads;
    }

    /// <summary>
    /// All CPU time a process tree has used so far: the root's own and reaped children's, plus every live descendant's
    /// own (a server whose workers come and go, like PostgreSQL's postmaster and its backends).
    /// </summary>
    public static TimeSpan TreeCpu(int root)
    {
        var total = TryReadCpu(root) is { } cpu ? cpu.Own + cpu.ReapedChildren : TimeSpan.Zero;
        foreach (var descendant in Descendants(root))
        {
            if (TryReadCpu(descendant.Pid) is { } own)
            {
                total += own.Own + own.ReapedChildren;
            }
        }

        return total;
    }

    /// <summary>The text of a stat file, or null when its process or thread is gone.</summary>
    private static string? TryReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Resident memory (VmRSS) and thread count from /proc/&lt;pid&gt;/status.</summary>
    public static (long RssKb, int Threads) ReadMemoryAndThreads(int pid)
    {
        long rss = -1;
        var threads = -1;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line["VmRSS:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return rss < 0 || threads < 0 ? throw new InvalidDataException($"/proc/{pid}/status has no VmRSS or Threads line") : (rss, threads);
    }
}
