using Ops.Supervision.StateMachine;
using static Ops.Supervision.InstanceState;

namespace Ops.Supervision.Tests.StateMachine;

public class TransitionsTests
{
    /// <summary>The table of the brief, written out independently of the production table.</summary>
    private static readonly HashSet<(InstanceState From, InstanceState To)> Expected =
    [
        (Stopped, Starting),
        (Starting, Running), (Starting, InstanceState.Backoff), (Starting, Fatal), (Starting, Stopping),
        (Running, Stopping), (Running, Exited), (Running, InstanceState.Backoff), (Running, Fatal),
        (InstanceState.Backoff, Starting), (InstanceState.Backoff, Stopped), (InstanceState.Backoff, Fatal),
        (Stopping, Stopped), (Stopping, InstanceState.Backoff), (Stopping, Fatal),
        (Exited, Starting), (Exited, Stopped),
        (Fatal, Starting), (Fatal, Stopped),
    ];

    public static TheoryData<InstanceState, InstanceState> AllPairs()
    {
        var data = new TheoryData<InstanceState, InstanceState>();
        foreach (var from in Enum.GetValues<InstanceState>())
        {
            foreach (var to in Enum.GetValues<InstanceState>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    public static TheoryData<InstanceState, InstanceState> IllegalPairs()
    {
        var data = new TheoryData<InstanceState, InstanceState>();
        foreach (var (from, to) in AllPairsList().Where(p => !Expected.Contains(p)))
        {
            data.Add(from, to);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void IsAllowed_EveryPair_MatchesTheTable(InstanceState from, InstanceState to)
    {
        Assert.Equal(Expected.Contains((from, to)), Transitions.IsAllowed(from, to));
    }

    [Fact]
    public void From_Running_ListsItsTargets()
    {
        Assert.Equal(
            [InstanceState.Backoff, Stopping, Exited, Fatal],
            Transitions.From(Running).Order());
    }

    [Theory]
    [MemberData(nameof(IllegalPairs))]
    public void TransitionTo_IllegalMove_ThrowsNamingInstanceFromAndTo(InstanceState from, InstanceState to)
    {
        var machine = InstanceStateMachineTests.MachineIn(from);

        var error = Assert.Throws<IllegalTransitionException>(() => machine.TransitionTo(to, "test"));

        Assert.Contains("web:0", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{from} -> {to}", error.Message, StringComparison.Ordinal);
        Assert.Equal(from, error.From);
        Assert.Equal(to, error.To);
        Assert.Equal(from, machine.State);
    }

    private static IEnumerable<(InstanceState, InstanceState)> AllPairsList() =>
        from f in Enum.GetValues<InstanceState>()
        from t in Enum.GetValues<InstanceState>()
        select (f, t);
}
