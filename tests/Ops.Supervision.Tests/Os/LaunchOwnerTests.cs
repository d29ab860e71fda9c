using Ops.Supervision.Os;

namespace Ops.Supervision.Tests.Os;

public class LaunchOwnerTests
{
    [Fact]
    public void Owner_ProgramTaskXAndTaskX_DifferInKindAndFolder()
    {
        LaunchOwner program = new InstanceId("task-x", 0);
        LaunchOwner task = new RunSlotId("x", 0);

        Assert.NotEqual(program, task);
        Assert.Equal((LaunchOwnerKind.Program, "programs"), (program.Kind, program.Folder));
        Assert.Equal((LaunchOwnerKind.Task, "tasks"), (task.Kind, task.Folder));
    }

    [Fact]
    public void Owner_SameNameAndIndexOfTwoKinds_NotEqual()
    {
        LaunchOwner program = new InstanceId("x", 1);
        LaunchOwner task = new RunSlotId("x", 1);

        Assert.NotEqual(program, task);
        Assert.Equal((program.Name, program.Index), (task.Name, task.Index));
    }

    [Fact]
    public void ToString_EachKind_SaysWhatItIs()
    {
        Assert.Equal("program web:1", ((LaunchOwner)new InstanceId("web", 1)).ToString());
        Assert.Equal("task x slot 2", ((LaunchOwner)new RunSlotId("x", 2)).ToString());
    }

    [Fact]
    public void LogName_TaskRun_KeepsTheTaskPrefixOfEarlierReleases()
    {
        Assert.Equal("web", ((LaunchOwner)new InstanceId("web", 0)).LogName);
        Assert.Equal("task-x", ((LaunchOwner)new RunSlotId("x", 0)).LogName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("X")]
    [InlineData("x/y")]
    [InlineData("x:1")]
    public void RunSlotId_NotATaskName_Throws(string task) =>
        Assert.Throws<ArgumentException>(() => new RunSlotId(task, 0));

    [Fact]
    public void RunSlotId_NegativeSlot_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunSlotId("x", -1));
}
