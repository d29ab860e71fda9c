using System.Collections.Frozen;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Supervising;

/// <summary>
/// The programs and instances under supervision, immutable: the loop replaces the whole table on a reload, and API
/// threads read whichever table is current without a lock.
/// </summary>
internal sealed class ProgramTable
{
    private ProgramTable(IReadOnlyList<ProgramEntry> programs, IReadOnlyList<IReadOnlyList<ProgramEntry>> startLevels)
    {
        Programs = programs;
        ByName = programs.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        Instances = [.. programs.SelectMany(p => p.Instances)];
        Specs = [.. programs.Select(p => p.Spec)];
        StartLevels = startLevels;
    }

    /// <summary>In name order.</summary>
    public IReadOnlyList<ProgramEntry> Programs { get; }

    public FrozenDictionary<string, ProgramEntry> ByName { get; }

    /// <summary>By program name, then instance number.</summary>
    public IReadOnlyList<Instance> Instances { get; }

    /// <summary>The specs of <see cref="Programs"/>, in name order.</summary>
    public IReadOnlyList<ProgramSpec> Specs { get; }

    /// <summary>Levels of the start order; the stop order is the reverse.</summary>
    public IReadOnlyList<IReadOnlyList<ProgramEntry>> StartLevels { get; }

    /// <summary>Dependencies that name no program of the table: ignored, and logged by the supervisor.</summary>
    public IEnumerable<(string Program, string Dependency)> UnknownDependencies =>
        Programs.SelectMany(p => p.Spec.DependsOn.Where(d => !ByName.ContainsKey(d)).Select(d => (p.Name, d)));

    /// <summary>Builds a table of <paramref name="programs"/>; unknown dependencies are ignored.</summary>
    /// <exception cref="ArgumentException">Two programs share a name, or DependsOn has a cycle.</exception>
    public static ProgramTable Create(IEnumerable<ProgramEntry> programs)
    {
        var sorted = programs.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
        if (sorted.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ArgumentException($"Program '{duplicate.Key}' is configured more than once.", nameof(programs));
        }

        var order = DependencyOrder.Compute(sorted.ToDictionary(p => p.Name, p => p.Spec.DependsOn, StringComparer.Ordinal));
        if (order.Cycle is { } cycle)
        {
            throw new ArgumentException($"DependsOn has a cycle: {string.Join(" -> ", cycle)}.", nameof(programs));
        }

        var byName = sorted.ToDictionary(p => p.Name, StringComparer.Ordinal);
        return new ProgramTable(sorted, [.. order.Levels.Select(level => (IReadOnlyList<ProgramEntry>)[.. level.Select(name => byName[name])])]);
    }
}
