using Ops.Jobs.Filters;

namespace Ops.Jobs.Tests.Filters;

public sealed class RunGateTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Enter_AllSlotsTaken_WaitsUntilOneIsGivenBack()
    {
        var gate = new RunGateFilter.Gate(2);
        gate.Enter(CancellationToken.None);
        gate.Enter(CancellationToken.None);

        var third = Task.Run(() => gate.Enter(CancellationToken.None));
        await Observe.NothingWithinAsync(TimeSpan.FromMilliseconds(200), () => third.IsCompleted, "a third Enter returned while both slots were taken");
        Assert.False(third.IsCompleted);
        Assert.Equal(0, gate.Free);

        gate.Exit();
        await third.WaitAsync(Wait);
        Assert.Equal(0, gate.Free);
    }

    [Fact]
    public async Task Enter_CanceledWhileWaiting_ThrowsAndTakesNoSlot()
    {
        var gate = new RunGateFilter.Gate(1);
        gate.Enter(CancellationToken.None);
        using var stop = new CancellationTokenSource();

        var waiting = Task.Run(() => gate.Enter(stop.Token));

        // Canceled while it waits, not before it entered: it must still be waiting for the whole window.
        await Observe.NothingWithinAsync(TimeSpan.FromMilliseconds(200), () => waiting.IsCompleted, "Enter returned with no slot free");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));
        gate.Exit();
        Assert.Equal(1, gate.Free);
    }

    [Fact]
    public async Task Enter_ManyWaitersOnTwoSlots_NeverMoreThanTwoInside()
    {
        var gate = new RunGateFilter.Gate(2);
        var inside = 0;
        var most = 0;
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                gate.Enter(CancellationToken.None);
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                Thread.SpinWait(100);
                Interlocked.Decrement(ref inside);
                gate.Exit();
            }
        }));

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(most, 1, 2);
        Assert.Equal(2, gate.Free);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
            seen = Volatile.Read(ref target);
        }
    }
}
