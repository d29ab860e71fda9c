using System.Globalization;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// A cheap profile: the CPU time of each thread of a process between two snapshots, by thread name, so a report can
/// say where a run's CPU goes (thread-pool work, Hangfire's workers and storage dispatcher, the JIT compiling in the
/// background) without a profiler attached.
/// </summary>
internal sealed class ThreadProfile
{
    /// <summary>Thread names are cut to 15 characters by the kernel; the ones worth explaining get their meaning.</summary>
    private static readonly Dictionary<string, string> Meanings = new(StringComparer.Ordinal)
    {
        [".NET Tiered Com"] = "JIT (tiered compilation)",
        [".NET TP Worker"] = "thread pool",
        ["Hangfire:InMemo"] = "InMemory dispatcher",
        ["Worker"] = "Hangfire workers",
    };

    private readonly int _pid;
    private readonly Dictionary<int, (string Name, TimeSpan Cpu)> _before;

    private ThreadProfile(int pid)
    {
        _pid = pid;
        _before = ProcFs.ThreadCpu(pid);
    }

    /// <summary>Starts measuring the threads of <paramref name="pid"/>.</summary>
    public static ThreadProfile Start(int pid) => new(pid);

    /// <summary>"who: thread pool 1.20, JIT 0.80, ..." in ms per run, the biggest first, threads under 0.01 ms/run left out.</summary>
    public string Describe(string who, int runs)
    {
        var spent = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (tid, (name, cpu)) in ProcFs.ThreadCpu(_pid))
        {
            var key = Meanings.GetValueOrDefault(name.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9').TrimEnd('#', ' '), name);
            var before = _before.TryGetValue(tid, out var then) ? then.Cpu : TimeSpan.Zero;
            spent[key] = spent.GetValueOrDefault(key) + (cpu - before);
        }

        var parts = spent
            .Select(s => (Name: s.Key, PerRun: s.Value.TotalMilliseconds / runs))
            .Where(s => s.PerRun >= 0.01)
            .OrderByDescending(s => s.PerRun)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.PerRun:0.00}"));
        return $"{who}, CPU ms/run by thread: {string.Join(", ", parts)}.";
    }
}
