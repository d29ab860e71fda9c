using Ops.Supervision.Specs;

namespace Ops.Supervision.Restarts;

/// <summary>The delay before a restart: the one place that turns a failure count into a wait.</summary>
public static class Backoff
{
    /// <summary>The first failure waits Initial: the exponent is failures - 1.</summary>
    private const int FirstFailure = 1;

    /// <summary>Jitter is centred on the un-jittered delay: r = 0.5 leaves it unchanged.</summary>
    private const double JitterCentre = 1.0;

    /// <summary>
    /// Initial * Multiplier^(failures - 1), capped at Max, then scaled by 1 + Jitter * (2r - 1) with r from
    /// <paramref name="random"/>; never negative and never above Max.
    /// </summary>
    public static TimeSpan Delay(BackoffPolicy policy, int consecutiveFailures, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(random);

        // A cap below zero makes no sense (the validator refuses it); waiting nothing is the safe reading.
        if (policy.Max <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Zero or negative counts come only from callers that have not counted a failure yet: treat as the first.
        var exponent = Math.Max(consecutiveFailures, FirstFailure) - FirstFailure;

        // Math.Pow overflows to +Infinity for long failure streaks; Math.Min against Max absorbs that.
        var grown = policy.Initial.Ticks * Math.Pow(policy.Multiplier, exponent);
        var capped = double.IsNaN(grown) ? policy.Max.Ticks : Math.Min(grown, policy.Max.Ticks);

        // Jitter spreads restarts of many instances that failed together; a NaN jitter means none.
        var jitter = double.IsNaN(policy.Jitter) ? 0.0 : policy.Jitter;
        var factor = JitterCentre + (jitter * ((2.0 * random.NextDouble()) - 1.0));
        var jittered = capped * factor;

        // Jitter above 1 could push below zero, and upward jitter at the cap above Max: clamp both ends.
        var clamped = Math.Clamp(jittered, 0.0, policy.Max.Ticks);
        return TimeSpan.FromTicks((long)Math.Round(clamped, MidpointRounding.AwayFromZero));
    }
}
