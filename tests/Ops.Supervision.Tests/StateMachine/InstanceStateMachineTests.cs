using Microsoft.Extensions.Time.Testing;
using Ops.Supervision.Os;
using Ops.Supervision.StateMachine;
using static Ops.Supervision.InstanceState;

namespace Ops.Supervision.Tests.StateMachine;

public class InstanceStateMachineTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A machine for web:0 driven along legal moves into <paramref name="state"/>.</summary>
    internal static InstanceStateMachine MachineIn(InstanceState state, TimeProvider? time = null, int capacity = 200)
    {
        long sequence = 0;
        var machine = new InstanceStateMachine(new InstanceId("web", 0), time ?? new FakeTimeProvider(Start), capacity, () => ++sequence);
        InstanceState[] path = state switch
        {
            Stopped => [],
            Starting => [Starting],
            Running => [Starting, Running],
            InstanceState.Backoff => [Starting, InstanceState.Backoff],
            Stopping => [Starting, Stopping],
            Exited => [Starting, Running, Exited],
            Fatal => [Starting, Fatal],
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        foreach (var step in path)
        {
            machine.TransitionTo(step, "setup");
        }

        return machine;
    }

    [Fact]
    public void TransitionTo_LegalMove_RecordsEveryFact()
    {
        var time = new FakeTimeProvider(Start);
        var machine = MachineIn(Running, time);
        time.Advance(TimeSpan.FromSeconds(5));

        var record = machine.TransitionTo(
            InstanceState.Backoff,
            "exit 3",
            new TransitionDetails(1234, ProcessExit.Exited(3), TimeSpan.FromMilliseconds(100), ["boom"]));

        Assert.Equal(new TransitionRecord("web", 0, Start.AddSeconds(5), Running, InstanceState.Backoff, "exit 3", 1234, 3, null, TimeSpan.FromMilliseconds(100), record.StderrTail), record);
        Assert.Equal(["boom"], record.StderrTail);
        Assert.Equal(InstanceState.Backoff, machine.State);
        Assert.Equal(Start.AddSeconds(5), machine.Since);
        Assert.Equal("exit 3", machine.Reason);
    }

    [Fact]
    public void TransitionTo_DeathBySignal_RecordsSignalNotExitCode()
    {
        var machine = MachineIn(Running);

        var record = machine.TransitionTo(InstanceState.Backoff, "signal 9", new TransitionDetails(Exit: ProcessExit.Killed(9)));

        Assert.Null(record.ExitCode);
        Assert.Equal(9, record.Signal);
        Assert.Empty(record.StderrTail);
    }

    [Fact]
    public void History_MoreThanCapacity_KeepsNewestFirst()
    {
        var machine = MachineIn(Stopped, capacity: 3);
        machine.TransitionTo(Starting, "one");
        machine.TransitionTo(Running, "two");
        machine.TransitionTo(Stopping, "three");
        machine.TransitionTo(Stopped, "four");

        var history = machine.HistoryNewestFirst();

        Assert.Equal(["four", "three", "two"], history.Select(h => h.Record.Reason));
        Assert.True(history[0].Sequence > history[1].Sequence);
    }
}
