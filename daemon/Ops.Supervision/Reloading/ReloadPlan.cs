using Ops.Supervision.Specs;

namespace Ops.Supervision.Reloading;

/// <summary>
/// What a reload would do: which programs are added, removed, changed (any field differs) or kept as they are.
/// Computed by the pure <see cref="Diff"/>, shown by the dry run and carried out by <see cref="ISupervisor.ReloadAsync"/>.
/// </summary>
/// <param name="Added">Programs only in the new set, in name order.</param>
/// <param name="Removed">Programs only in the current set, in name order.</param>
/// <param name="Changed">Programs in both whose specs differ, in name order.</param>
/// <param name="Unchanged">Programs in both with identical specs, in name order: they keep running untouched.</param>
/// <param name="ChangedFields">For each changed program, the names of the fields that differ.</param>
public sealed record ReloadPlan(
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Changed,
    IReadOnlyList<string> Unchanged,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ChangedFields)
{
    /// <summary>True when the new set is the current one: applying it does nothing.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>
    /// Compares the program sets by name and, for names in both, field by field (<see cref="ProgramSpec.DifferencesFrom"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A name appears twice in one of the sets.</exception>
    public static ReloadPlan Diff(IEnumerable<ProgramSpec> current, IEnumerable<ProgramSpec> next)
    {
        var before = ByName(current, nameof(current));
        var after = ByName(next, nameof(next));

        var changedFields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var unchanged = new List<string>();
        foreach (var (name, spec) in after.Where(kv => before.ContainsKey(kv.Key)))
        {
            var differences = before[name].DifferencesFrom(spec);
            if (differences.Count == 0)
            {
                unchanged.Add(name);
            }
            else
            {
                changedFields[name] = differences;
            }
        }

        return new ReloadPlan(
            Sorted(after.Keys.Where(name => !before.ContainsKey(name))),
            Sorted(before.Keys.Where(name => !after.ContainsKey(name))),
            Sorted(changedFields.Keys),
            Sorted(unchanged),
            changedFields);
    }

    /// <summary>
    /// True when only the instance count of <paramref name="program"/> changed: its instances that stay keep running
    /// (their launch is the same, since no setting depends on the count), extra ones stop, new ones start.
    /// </summary>
    public bool OnlyInstancesChanged(string program) =>
        ChangedFields.TryGetValue(program, out var fields) && fields is [nameof(ProgramSpec.Instances)];

    private static Dictionary<string, ProgramSpec> ByName(IEnumerable<ProgramSpec> specs, string parameter)
    {
        ArgumentNullException.ThrowIfNull(specs, parameter);
        var byName = new Dictionary<string, ProgramSpec>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (!byName.TryAdd(spec.Name, spec))
            {
                throw new ArgumentException($"Program '{spec.Name}' is configured more than once.", parameter);
            }
        }

        return byName;
    }

    private static string[] Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];
}
