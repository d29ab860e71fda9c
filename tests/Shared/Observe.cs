using System.Diagnostics;

namespace Ops.Tests.Shared;

/// <summary>
/// Observations over time for tests of real processes: waiting for something to happen, and asserting that
/// something does not happen for a stated window. A bare sleep says neither what it waits for nor what it rules out.
/// </summary>
internal static class Observe
{
    /// <summary>How often a condition is looked at: often enough to catch a short-lived state, rare enough to stay cheap.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Asserts that <paramref name="badThing"/> stays false for the whole <paramref name="window"/>, looking at it
    /// throughout and once more at the window's end; fails as soon as it is seen.
    /// </summary>
    public static Task NothingWithinAsync(TimeSpan window, Func<bool> badThing, string what) =>
        NothingWithinAsync(window, () => Task.FromResult(badThing()), what);

    /// <inheritdoc cref="NothingWithinAsync(TimeSpan, Func{bool}, string)"/>
    public static async Task NothingWithinAsync(TimeSpan window, Func<Task<bool>> badThing, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // Read the clock before looking, so the last look happens at or after the window's end.
            var elapsed = clock.Elapsed;
            if (await badThing())
            {
                Assert.Fail($"{what}: seen {elapsed.TotalMilliseconds:0} ms into a {window.TotalMilliseconds:0} ms window in which it must not happen");
            }

            if (elapsed >= window)
            {
                return;
            }

            var left = window - clock.Elapsed;
            await Task.Delay(left < Interval ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : Interval);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan, string)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(Interval);
        }
    }
}
