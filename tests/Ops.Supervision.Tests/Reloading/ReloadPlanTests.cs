using Ops.Supervision.Reloading;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Reloading;

public class ReloadPlanTests
{
    [Fact]
    public void Diff_MixedSets_EachNameInItsListInNameOrder()
    {
        ProgramSpec[] current = [Program("web"), Program("api"), Program("old"), Program("db"), Program("cache")];
        ProgramSpec[] next = [Program("cache"), Program("zz-new"), Program("db") with { Args = ["-v"] }, Program("web") with { Instances = 3 }, Program("api"), Program("a-new")];

        var plan = ReloadPlan.Diff(current, next);

        Assert.Equal(["a-new", "zz-new"], plan.Added);
        Assert.Equal(["old"], plan.Removed);
        Assert.Equal(["db", "web"], plan.Changed);
        Assert.Equal(["api", "cache"], plan.Unchanged);
        Assert.Equal(["Args"], plan.ChangedFields["db"]);
        Assert.Equal(["Instances"], plan.ChangedFields["web"]);
        Assert.False(plan.IsEmpty);
    }

    [Fact]
    public void Diff_SameContentInNewObjects_AllUnchangedAndEmpty()
    {
        ProgramSpec[] current = [Program("web") with { Args = ["a"], Environment = new Dictionary<string, string> { ["K"] = "v" } }];
        ProgramSpec[] next = [Program("web") with { Args = ["a"], Environment = new Dictionary<string, string> { ["K"] = "v" } }];

        var plan = ReloadPlan.Diff(current, next);

        Assert.Equal(["web"], plan.Unchanged);
        Assert.Empty(plan.Changed);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Diff_BothEmpty_Empty() => Assert.True(ReloadPlan.Diff([], []).IsEmpty);

    [Fact]
    public void OnlyInstancesChanged_TrueOnlyWhenInstancesIsTheOneDifference()
    {
        ProgramSpec[] current = [Program("a"), Program("b"), Program("c"), Program("d")];
        ProgramSpec[] next = [Program("a") with { Instances = 4 }, Program("b") with { Instances = 4, StopTimeout = TimeSpan.FromSeconds(3) }, Program("c") with { Args = ["x"] }, Program("d")];

        var plan = ReloadPlan.Diff(current, next);

        Assert.True(plan.OnlyInstancesChanged("a"));
        Assert.False(plan.OnlyInstancesChanged("b"));
        Assert.False(plan.OnlyInstancesChanged("c"));
        Assert.False(plan.OnlyInstancesChanged("d"));
        Assert.False(plan.OnlyInstancesChanged("nope"));
    }

    [Fact]
    public void Diff_DuplicateNameInNewSet_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => ReloadPlan.Diff([Program("web")], [Program("web"), Program("web")]));

        Assert.Contains("'web'", error.Message, StringComparison.Ordinal);
        Assert.Equal("next", error.ParamName);
    }

    private static ProgramSpec Program(string name) => Harness.Program(name);
}
