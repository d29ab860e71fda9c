using Microsoft.Extensions.Time.Testing;
using Ops.Supervision.StateMachine;
using static Ops.Supervision.StateMachine.GroupPhase;

namespace Ops.Supervision.Tests.StateMachine;

public class GroupTransitionsTests
{
    /// <summary>The group table written out independently of the production table.</summary>
    private static readonly HashSet<(GroupPhase From, GroupPhase To)> Expected =
    [
        (None, Alive),
        (Alive, GroupPhase.Stopping), (Alive, Ending),
        (GroupPhase.Stopping, Ending), (GroupPhase.Stopping, None),
        (Ending, None),
    ];

    public static TheoryData<GroupPhase, GroupPhase> AllPairs()
    {
        var data = new TheoryData<GroupPhase, GroupPhase>();
        foreach (var (from, to) in AllPairsList())
        {
            data.Add(from, to);
        }

        return data;
    }

    public static TheoryData<GroupPhase, GroupPhase> LegalPairs()
    {
        var data = new TheoryData<GroupPhase, GroupPhase>();
        foreach (var (from, to) in Expected)
        {
            data.Add(from, to);
        }

        return data;
    }

    public static TheoryData<GroupPhase, GroupPhase> IllegalPairs()
    {
        var data = new TheoryData<GroupPhase, GroupPhase>();
        foreach (var (from, to) in AllPairsList().Where(p => !Expected.Contains(p)))
        {
            data.Add(from, to);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void IsAllowed_EveryPair_MatchesTheTable(GroupPhase from, GroupPhase to)
    {
        Assert.Equal(Expected.Contains((from, to)), GroupTransitions.IsAllowed(from, to));
    }

    [Theory]
    [MemberData(nameof(LegalPairs))]
    public void MoveGroup_LegalMove_ChangesThePhase(GroupPhase from, GroupPhase to)
    {
        var machine = MachineWithGroup(from);

        machine.MoveGroup(to, "test");

        Assert.Equal(to, machine.Group);
    }

    [Theory]
    [MemberData(nameof(IllegalPairs))]
    public void MoveGroup_IllegalMove_ThrowsNamingInstanceStateAndPhases(GroupPhase from, GroupPhase to)
    {
        var machine = MachineWithGroup(from);

        var error = Assert.Throws<IllegalGroupTransitionException>(() => machine.MoveGroup(to, "test"));

        Assert.Contains("web:0", error.Message, StringComparison.Ordinal);
        Assert.Contains($"({machine.State})", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{from} -> {to}", error.Message, StringComparison.Ordinal);
        Assert.Contains("'test'", error.Message, StringComparison.Ordinal);
        Assert.Equal(from, error.From);
        Assert.Equal(to, error.To);
        Assert.Equal(from, machine.Group);
    }

    [Theory]
    [InlineData(Alive)]
    [InlineData(GroupPhase.Stopping)]
    [InlineData(Ending)]
    public void EnsureGroupAllowed_LaunchWhileAGroupLives_RefusedAsASecondCopy(GroupPhase phase)
    {
        var machine = MachineWithGroup(phase);

        var error = Assert.Throws<IllegalGroupTransitionException>(() => machine.EnsureGroupAllowed(Alive, "restart"));

        Assert.Contains($"web:0 ({machine.State}): illegal group transition {phase} -> Alive (reason 'restart')", error.Message, StringComparison.Ordinal);
        Assert.Contains("never two copies", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Alive)]
    [InlineData(Ending)]
    public void TransitionTo_StoppedWhileTheGroupLives_Refused(GroupPhase phase)
    {
        var machine = MachineWithGroup(phase, InstanceState.Stopping);

        var error = Assert.Throws<IllegalTransitionException>(() => machine.TransitionTo(InstanceState.Stopped, "operator"));

        Assert.Contains("web:0: illegal transition Stopping -> Stopped", error.Message, StringComparison.Ordinal);
        Assert.Contains($"its process group is {phase}", error.Message, StringComparison.Ordinal);
        Assert.Equal(InstanceState.Stopping, machine.State);
    }

    [Fact]
    public void From_Stopping_ListsItsTargets()
    {
        Assert.Equal([None, Ending], GroupTransitions.From(GroupPhase.Stopping).Order());
    }

    /// <summary>A Starting machine (or one in <paramref name="state"/>) whose group was driven along legal moves into <paramref name="phase"/>.</summary>
    private static InstanceStateMachine MachineWithGroup(GroupPhase phase, InstanceState state = InstanceState.Starting)
    {
        var machine = InstanceStateMachineTests.MachineIn(state, new FakeTimeProvider());
        GroupPhase[] path = phase switch
        {
            None => [],
            Alive => [Alive],
            GroupPhase.Stopping => [Alive, GroupPhase.Stopping],
            Ending => [Alive, Ending],
            _ => throw new ArgumentOutOfRangeException(nameof(phase)),
        };
        foreach (var step in path)
        {
            machine.MoveGroup(step, "setup");
        }

        return machine;
    }

    private static IEnumerable<(GroupPhase, GroupPhase)> AllPairsList() =>
        from f in Enum.GetValues<GroupPhase>()
        from t in Enum.GetValues<GroupPhase>()
        select (f, t);
}
