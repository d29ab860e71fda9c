using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;
using Ops.Supervision.Tests.Support;

namespace Ops.Supervision.Tests.Restarts;

public class BackoffTests
{
    private static readonly BackoffPolicy Policy = BackoffPolicy.Default;

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    [InlineData(10, 51_200)]
    public void Delay_NoJitter_GrowsByMultiplierFromInitial(int failures, int expectedMs)
    {
        var delay = Backoff.Delay(Policy, failures, new FixedRandomSource(0.5));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(30)]
    [InlineData(100_000)]
    public void Delay_LongStreak_IsCappedAtMax(int failures)
    {
        var delay = Backoff.Delay(Policy, failures, new FixedRandomSource(0.5));

        Assert.Equal(TimeSpan.FromMinutes(1), delay);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Delay_NoFailureCounted_WaitsInitial(int failures)
    {
        var delay = Backoff.Delay(Policy, failures, new FixedRandomSource(0.5));

        Assert.Equal(TimeSpan.FromMilliseconds(100), delay);
    }

    [Fact]
    public void Delay_LowestRandom_ShortensByJitter()
    {
        var delay = Backoff.Delay(Policy, 3, new FixedRandomSource(0.0));

        Assert.Equal(TimeSpan.FromMilliseconds(360), delay);
    }

    [Fact]
    public void Delay_HighRandom_LengthensByAlmostJitter()
    {
        var delay = Backoff.Delay(Policy, 3, new FixedRandomSource(0.75));

        Assert.Equal(TimeSpan.FromMilliseconds(420), delay);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999999)]
    public void Delay_AnyRandom_StaysWithinJitterBounds(double random)
    {
        var delay = Backoff.Delay(Policy, 2, new FixedRandomSource(random));

        Assert.InRange(delay, TimeSpan.FromMilliseconds(180), TimeSpan.FromMilliseconds(220));
    }

    [Fact]
    public void Delay_UpwardJitterAtCap_NeverAboveMax()
    {
        var delay = Backoff.Delay(Policy, 50, new FixedRandomSource(0.999999));

        Assert.Equal(TimeSpan.FromMinutes(1), delay);
    }

    [Fact]
    public void Delay_DownwardJitterAtCap_GoesBelowMax()
    {
        var delay = Backoff.Delay(Policy, 50, new FixedRandomSource(0.0));

        Assert.Equal(TimeSpan.FromSeconds(54), delay);
    }

    [Fact]
    public void Delay_JitterAboveOne_NeverNegative()
    {
        var policy = Policy with { Jitter = 3.0 };

        var delay = Backoff.Delay(policy, 1, new FixedRandomSource(0.0));

        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Fact]
    public void Delay_InitialAboveMax_IsMax()
    {
        var policy = Policy with { Initial = TimeSpan.FromMinutes(5) };

        var delay = Backoff.Delay(policy, 1, new FixedRandomSource(0.5));

        Assert.Equal(TimeSpan.FromMinutes(1), delay);
    }

    [Fact]
    public void Delay_ZeroInitial_IsZero()
    {
        var policy = Policy with { Initial = TimeSpan.Zero };

        var delay = Backoff.Delay(policy, 7, new FixedRandomSource(0.9));

        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Fact]
    public void Delay_SharedRandomSource_StaysWithinBounds()
    {
        for (var i = 0; i < 1000; i++)
        {
            var delay = Backoff.Delay(Policy, 1, SharedRandomSource.Instance);

            Assert.InRange(delay, TimeSpan.FromMilliseconds(90), TimeSpan.FromMilliseconds(110));
        }
    }
}
