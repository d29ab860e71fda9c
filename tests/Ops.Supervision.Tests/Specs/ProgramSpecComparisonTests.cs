using System.Reflection;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Tests.Specs;

public class ProgramSpecComparisonTests
{
    /// <summary>Every field set away from its default, with fresh lists and maps on each call.</summary>
    private static ProgramSpec Full() => new()
    {
        Name = "web",
        Command = "/usr/bin/web",
        Args = ["--port", "80{instance}"],
        WorkingDirectory = "/srv/web",
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2" },
        User = "www",
        Instances = 2,
        AutoStart = false,
        Restart = RestartPolicy.Always,
        SuccessExitCodes = [0, 2],
        StartSeconds = TimeSpan.FromSeconds(3),
        MaxRestarts = 7,
        RestartWindow = TimeSpan.FromMinutes(5),
        Backoff = new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 3, 0.2),
        FatalRetryAfter = TimeSpan.FromMinutes(1),
        StopSignal = StopSignal.SIGINT,
        StopTimeout = TimeSpan.FromSeconds(20),
        MemoryLimitMB = 512,
        DependsOn = ["db", "cache"],
        Health = new HealthCheckSpec(HealthCheckKind.Command, "", ["/bin/check", "--fast"], TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(10)),
        Log = new LogSpec(1024 * 1024, 3),
    };

    [Fact]
    public void SameAs_SpecsBuiltApartWithEqualContent_True()
    {
        var a = Full();
        var b = Full();

        Assert.NotEqual(a, b); // the record's own equality compares the lists by reference: the reason SameAs exists
        Assert.True(a.SameAs(b));
        Assert.Empty(a.DifferencesFrom(b));
    }

    [Fact]
    public void SameAs_Null_False() => Assert.False(Full().SameAs(null));

    public static TheoryData<string> Properties() =>
        [.. typeof(ProgramSpec).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Properties))]
    public void DifferencesFrom_OnePropertyChanged_NamesExactlyThatProperty(string name)
    {
        var property = typeof(ProgramSpec).GetProperty(name)!;
        var changed = Full();
        property.SetValue(changed, Altered(property.Name, property.GetValue(changed)));

        Assert.Equal([name], Full().DifferencesFrom(changed));
        Assert.False(Full().SameAs(changed));
    }

    [Fact]
    public void DifferencesFrom_SetsInAnotherOrder_Same()
    {
        var reordered = Full() with { SuccessExitCodes = [2, 0, 2], DependsOn = ["cache", "db"] };

        Assert.True(Full().SameAs(reordered));
    }

    [Fact]
    public void DifferencesFrom_ArgvInAnotherOrder_Differs()
    {
        var args = Full() with { Args = ["80{instance}", "--port"] };
        var command = Full() with { Health = Full().Health! with { Command = ["--fast", "/bin/check"] } };

        Assert.Equal(["Args"], Full().DifferencesFrom(args));
        Assert.Equal(["Health"], Full().DifferencesFrom(command));
    }

    [Fact]
    public void DifferencesFrom_EnvironmentValueOrKeyCase_Differs()
    {
        var value = Full() with { Environment = new Dictionary<string, string> { ["A"] = "1", ["B"] = "3" } };
        var keyCase = Full() with { Environment = new Dictionary<string, string> { ["a"] = "1", ["B"] = "2" } };
        var sameOtherOrder = Full() with { Environment = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" } };

        Assert.Equal(["Environment"], Full().DifferencesFrom(value));
        Assert.Equal(["Environment"], Full().DifferencesFrom(keyCase));
        Assert.True(Full().SameAs(sameOtherOrder));
    }

    [Fact]
    public void DifferencesFrom_HealthAddedOrRemoved_Differs()
    {
        Assert.Equal(["Health"], Full().DifferencesFrom(Full() with { Health = null }));
        Assert.Equal(["Health"], (Full() with { Health = null }).DifferencesFrom(Full()));
        Assert.True((Full() with { Health = null }).SameAs(Full() with { Health = null }));
    }

    [Fact]
    public void DifferencesFrom_SeveralFields_AllNamedInDeclarationOrder()
    {
        var changed = Full() with { StopTimeout = TimeSpan.FromSeconds(1), Command = "/usr/bin/other", Instances = 5 };

        Assert.Equal(["Command", "Instances", "StopTimeout"], Full().DifferencesFrom(changed));
    }

    /// <summary>A different value of the same type. A property of a type not listed here fails the test on purpose.</summary>
    private static object? Altered(string name, object? value) => value switch
    {
        string text => text + "-changed",
        int number => number + 1,
        bool flag => !flag,
        RestartPolicy policy => policy == RestartPolicy.Never ? RestartPolicy.Always : RestartPolicy.Never,
        StopSignal signal => signal == StopSignal.SIGKILL ? StopSignal.SIGTERM : StopSignal.SIGKILL,
        TimeSpan span => span + TimeSpan.FromSeconds(1),
        IReadOnlyList<string> list => (IReadOnlyList<string>)[.. list, "extra"],
        IReadOnlyList<int> list => (IReadOnlyList<int>)[.. list, 99],
        IReadOnlyDictionary<string, string> map => new Dictionary<string, string>(map.ToDictionary()) { ["EXTRA"] = "1" },
        BackoffPolicy backoff => backoff with { Max = backoff.Max + TimeSpan.FromSeconds(1) },
        HealthCheckSpec health => health with { FailureThreshold = health.FailureThreshold + 1 },
        LogSpec log => log with { MaxFiles = log.MaxFiles + 1 },
        _ => throw new InvalidOperationException(
            $"ProgramSpec.{name} ({value?.GetType().Name ?? "null"}) is new: compare it in ProgramSpec.DifferencesFrom and teach this test to change it."),
    };
}
