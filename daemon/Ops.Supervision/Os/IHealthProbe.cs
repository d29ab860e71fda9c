using Ops.Supervision.Specs;

namespace Ops.Supervision.Os;

/// <summary>The outcome of one health probe; Detail says why it failed ("HTTP 500", "connection refused", "timeout").</summary>
public readonly record struct HealthResult(bool Healthy, string Detail);

/// <summary>Runs one health probe against a running instance; never throws (a failure is a result).</summary>
public interface IHealthProbe
{
    /// <summary>
    /// Runs <paramref name="check"/> (placeholders already expanded) with its Timeout and returns the outcome.
    /// </summary>
    Task<HealthResult> CheckAsync(HealthCheckSpec check, CancellationToken cancellationToken);
}
