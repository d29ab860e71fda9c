using Ops.Daemon.Configuration;
using Ops.Jobs.Specs;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>The shutdown budget as a pure function of a snapshot's programs and tasks.</summary>
public sealed class ShutdownBudgetTests
{
    [Fact]
    public void Of_NothingConfigured_OnlyTheMargin()
    {
        var budget = ShutdownBudget.Of([], []);

        Assert.Equal(new ShutdownBudget(TimeSpan.Zero, 1, TimeSpan.Zero), budget);
        Assert.Equal(ShutdownBudget.Margin, budget.HostShutdownTimeout);
    }

    [Fact]
    public void Of_DependencyChain_LongestStopTimeoutTimesLevelsPlusMargin()
    {
        var budget = ShutdownBudget.Of(
            [Program("a", 30), Program("b", 5, "a"), Program("c", 5, "b"), Program("d", 1)],
            [Task("t", 10)]);

        Assert.Equal(TimeSpan.FromSeconds(30), budget.LongestProgramStopTimeout);
        Assert.Equal(3, budget.StopLevels);
        Assert.Equal(TimeSpan.FromSeconds((30 * 3) + 15), budget.HostShutdownTimeout);
    }

    [Fact]
    public void Of_TaskStopsLongerThanEveryLevel_TheTaskSetsTheBudget()
    {
        var budget = ShutdownBudget.Of([Program("web", 10)], [Task("backup", 200), Task("short", 1)]);

        Assert.Equal(TimeSpan.FromSeconds(200), budget.LongestTaskStopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(200 + 15), budget.HostShutdownTimeout);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(30, 200)]
    [InlineData(300, 5)]
    public void HostShutdownTimeout_AnySnapshot_LongerThanHangfiresShutdownAndEveryStopTimeout(int programSeconds, int taskSeconds)
    {
        var budget = ShutdownBudget.Of([Program("web", programSeconds)], taskSeconds == 0 ? [] : [Task("t", taskSeconds)]);

        // Hangfire waits for its workers the longest task StopTimeout plus its own margin of 5 s.
        Assert.True(budget.HostShutdownTimeout > TimeSpan.FromSeconds(taskSeconds + 5));
        Assert.True(budget.HostShutdownTimeout > TimeSpan.FromSeconds(programSeconds));
    }

    [Fact]
    public void Of_Settings_SameAsItsProgramsAndTasks()
    {
        var settings = new OpsSettings
        {
            ProgramEntries = [new ProgramEntry(Program("a", 20)), new ProgramEntry(Program("b", 20, "a"))],
            Tasks = [Task("t", 3)],
        };

        Assert.Equal(ShutdownBudget.Of(settings.Programs, settings.Tasks), ShutdownBudget.Of(settings));
        Assert.Equal(TimeSpan.FromSeconds(55), ShutdownBudget.Of(settings).HostShutdownTimeout);
    }

    private static ProgramSpec Program(string name, int stopSeconds, params string[] dependsOn) =>
        new() { Name = name, Command = "/bin/true", StopTimeout = TimeSpan.FromSeconds(stopSeconds), DependsOn = dependsOn };

    private static TaskSpec Task(string name, int stopSeconds) =>
        new() { Name = name, Command = "/bin/true", StopTimeout = TimeSpan.FromSeconds(stopSeconds) };
}
