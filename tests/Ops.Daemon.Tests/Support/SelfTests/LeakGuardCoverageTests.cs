using System.Reflection;

namespace Ops.Daemon.Tests.Support.SelfTests;

/// <summary>
/// Every test class that starts opsd or its children runs in the opsd collection, and every class of that collection
/// carries the per-test leak guard: a class added without it would start processes that nobody checks.
/// </summary>
public sealed class LeakGuardCoverageTests
{
    /// <summary>They drive the guard's scope or the Opsd helper's own check by hand, so they cannot be guarded.</summary>
    private static readonly HashSet<Type> DriveTheGuardThemselves = [typeof(ProcessLeakGuardTests), typeof(OpsdTests)];

    [Fact]
    public void DaemonCollection_EveryTestClass_CarriesTheProcessLeakGuard()
    {
        var unguarded = typeof(LeakGuardCoverageTests).Assembly.GetTypes()
            .Where(InDaemonCollection)
            .Where(t => !DriveTheGuardThemselves.Contains(t))
            .Where(t => t.GetCustomAttribute<ProcessLeakGuardAttribute>() is null)
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(unguarded.Count == 0, $"test classes in the opsd collection without [ProcessLeakGuard]: {string.Join(", ", unguarded)}");
    }

    [Fact]
    public void TestClasses_StartingOpsd_RunInTheOpsdCollection()
    {
        // A class with an Opsd field or local is hard to see by reflection; the source is plain to read.
        var root = RepositoryRoot();
        var outside = Directory.EnumerateFiles(Path.Combine(root, "tests", "Ops.Daemon.Tests"), "*Tests.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text
                && (text.Contains("new Opsd(", StringComparison.Ordinal) || text.Contains("OpsdCommand.", StringComparison.Ordinal))
                && !text.Contains("[Collection(DaemonCollection.Name)]", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();

        Assert.True(outside.Count == 0, $"test files that start opsd outside the opsd collection (so unguarded): {string.Join(", ", outside)}");
    }

    /// <summary>xunit 2's CollectionAttribute keeps its name only as the constructor argument.</summary>
    private static bool InDaemonCollection(Type type) =>
        type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute)
            && a.ConstructorArguments is [{ Value: DaemonCollection.Name }]);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ops.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Ops.sln above {AppContext.BaseDirectory}");
    }
}
