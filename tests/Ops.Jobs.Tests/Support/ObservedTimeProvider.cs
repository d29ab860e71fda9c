using Microsoft.Extensions.Time.Testing;

namespace Ops.Jobs.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells when a timer is made: code on another thread arms its timer after
/// some step the test cannot see, and advancing the clock before that would let the timer start late.
/// </summary>
internal sealed class ObservedTimeProvider() : FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 3, 2, 1, TimeSpan.Zero))
{
    private readonly SemaphoreSlim _created = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _created.Release();
        return timer;
    }

    /// <summary>Waits until one more timer was made than this method has returned for so far.</summary>
    public async Task NextTimerAsync()
    {
        if (!await _created.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("no timer was armed within 10 s");
        }
    }
}
