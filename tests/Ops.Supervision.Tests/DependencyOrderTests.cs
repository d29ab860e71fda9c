namespace Ops.Supervision.Tests;

public class DependencyOrderTests
{
    [Fact]
    public void Compute_NoDependencies_OneLevelSortedByName()
    {
        var result = DependencyOrder.Compute(Graph(("web", []), ("api", []), ("db", [])));

        Assert.Null(result.Cycle);
        Assert.Equal(["api", "db", "web"], Assert.Single(result.Levels));
    }

    [Fact]
    public void Compute_Diamond_LevelsFollowTheLongestPath()
    {
        var result = DependencyOrder.Compute(Graph(
            ("web", ["api", "cache"]),
            ("api", ["db"]),
            ("cache", []),
            ("db", []),
            ("worker", ["db"])));

        Assert.Null(result.Cycle);
        Assert.Equal(3, result.Levels.Count);
        Assert.Equal(["cache", "db"], result.Levels[0]);
        Assert.Equal(["api", "worker"], result.Levels[1]);
        Assert.Equal(["web"], result.Levels[2]);
    }

    [Fact]
    public void Compute_TwoProgramCycle_ReturnsItFirstNameRepeated()
    {
        var result = DependencyOrder.Compute(Graph(("a", ["b"]), ("b", ["a"]), ("c", [])));

        Assert.Empty(result.Levels);
        Assert.Equal(["a", "b", "a"], result.Cycle);
    }

    [Fact]
    public void Compute_LongerCycleBehindAChain_ReturnsOnlyTheCycle()
    {
        var result = DependencyOrder.Compute(Graph(("a", ["b"]), ("b", ["c"]), ("c", ["d"]), ("d", ["b"])));

        Assert.Equal(["b", "c", "d", "b"], result.Cycle);
    }

    [Fact]
    public void Compute_SelfDependency_IsACycle()
    {
        var result = DependencyOrder.Compute(Graph(("a", ["a"])));

        Assert.Equal(["a", "a"], result.Cycle);
    }

    [Fact]
    public void Compute_UnknownDependency_IsIgnored()
    {
        var result = DependencyOrder.Compute(Graph(("web", ["ghost"]), ("db", [])));

        Assert.Null(result.Cycle);
        Assert.Equal(["db", "web"], Assert.Single(result.Levels));
    }

    [Fact]
    public void Compute_Empty_NoLevels()
    {
        var result = DependencyOrder.Compute(Graph());

        Assert.Null(result.Cycle);
        Assert.Empty(result.Levels);
    }

    private static Dictionary<string, IReadOnlyList<string>> Graph(params (string Name, string[] DependsOn)[] programs) =>
        programs.ToDictionary(p => p.Name, p => (IReadOnlyList<string>)p.DependsOn, StringComparer.Ordinal);
}
