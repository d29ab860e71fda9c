namespace Ops.Supervision;

/// <summary>Start levels from DependsOn: level 0 depends on nothing, level n only on earlier levels.</summary>
/// <param name="Levels">Program names grouped by level, each level sorted by name; empty when there is a cycle.</param>
/// <param name="Cycle">Null, or the names of one cycle in order (a, b, a), for the error message.</param>
public sealed record DependencyOrderResult(IReadOnlyList<IReadOnlyList<string>> Levels, IReadOnlyList<string>? Cycle);

/// <summary>Orders programs by DependsOn: the start order, and reversed, the stop order.</summary>
public static class DependencyOrder
{
    /// <summary>
    /// Groups the programs of <paramref name="dependsOn"/> (name -> the names it depends on) into levels, or
    /// returns one cycle. Names that are not keys of <paramref name="dependsOn"/> are ignored: reporting unknown
    /// dependencies is the config validator's job, and an unknown name cannot hold anything back.
    /// </summary>
    public static DependencyOrderResult Compute(IReadOnlyDictionary<string, IReadOnlyList<string>> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(dependsOn);

        var names = dependsOn.Keys.Order(StringComparer.Ordinal).ToArray();
        var level = new Dictionary<string, int>(StringComparer.Ordinal);
        var onPath = new List<string>();

        foreach (var name in names)
        {
            if (LevelOf(name, dependsOn, level, onPath) is { } cycle)
            {
                return new DependencyOrderResult([], cycle);
            }
        }

        var levels = level
            .GroupBy(kv => kv.Value)
            .OrderBy(g => g.Key)
            .Select(g => (IReadOnlyList<string>)[.. g.Select(kv => kv.Key).Order(StringComparer.Ordinal)])
            .ToArray();
        return new DependencyOrderResult(levels, null);
    }

    /// <summary>
    /// Depth-first: a program's level is one more than its deepest dependency. Returns a cycle when
    /// <paramref name="name"/> is met again while its own dependencies are being walked.
    /// </summary>
    private static IReadOnlyList<string>? LevelOf(
        string name,
        IReadOnlyDictionary<string, IReadOnlyList<string>> dependsOn,
        Dictionary<string, int> level,
        List<string> onPath)
    {
        if (level.ContainsKey(name))
        {
            return null;
        }

        var seenAt = onPath.IndexOf(name);
        if (seenAt >= 0)
        {
            return [.. onPath.Skip(seenAt), name];
        }

        onPath.Add(name);
        var mine = 0;
        foreach (var dependency in dependsOn[name] ?? [])
        {
            if (!dependsOn.ContainsKey(dependency))
            {
                continue;
            }

            if (LevelOf(dependency, dependsOn, level, onPath) is { } cycle)
            {
                return cycle;
            }

            mine = Math.Max(mine, level[dependency] + 1);
        }

        onPath.RemoveAt(onPath.Count - 1);
        level[name] = mine;
        return null;
    }
}
