namespace Ops.Supervision.Specs;

/// <summary>How long to wait before each restart: Initial * Multiplier^(failures-1), capped at Max, +/- Jitter.</summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max, double Multiplier, double Jitter)
{
    /// <summary>The defaults of DESIGN.md: 100 ms, capped at 1 min, doubling, 10% jitter.</summary>
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), 2.0, 0.1);
}
