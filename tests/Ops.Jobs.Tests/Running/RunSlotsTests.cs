using Ops.Jobs.Running;

namespace Ops.Jobs.Tests.Running;

public sealed class RunSlotsTests
{
    [Fact]
    public void Take_ConcurrentRuns_GetTheLowestFreeNumbersPerTask()
    {
        var slots = new RunSlots();

        using var a0 = slots.Take("a");
        var a1 = slots.Take("a");
        using var b0 = slots.Take("b");
        Assert.Equal((0, 1, 0), (a0.Number, a1.Number, b0.Number));

        a1.Dispose();
        a1.Dispose(); // twice is harmless
        using var again = slots.Take("a");
        Assert.Equal(1, again.Number);
        using var a2 = slots.Take("a");
        Assert.Equal(2, a2.Number);
    }
}
