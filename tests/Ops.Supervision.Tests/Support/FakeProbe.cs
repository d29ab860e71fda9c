using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Supervision.Tests.Support;

/// <summary>A health probe whose answers the test sets; counts calls.</summary>
internal sealed class FakeProbe : IHealthProbe
{
    private readonly List<HealthCheckSpec> _calls = [];
    private readonly Lock _gate = new();

    /// <summary>The answer to every probe; replace to make probes hang (a pending task) or fail.</summary>
    public Func<HealthCheckSpec, Task<HealthResult>> Answer { get; set; } =
        _ => Task.FromResult(new HealthResult(true, "ok"));

    public IReadOnlyList<HealthCheckSpec> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public void AlwaysHealthy() => Answer = _ => Task.FromResult(new HealthResult(true, "ok"));

    public void AlwaysUnhealthy(string detail = "HTTP 500") => Answer = _ => Task.FromResult(new HealthResult(false, detail));

    public Task<HealthResult> CheckAsync(HealthCheckSpec check, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _calls.Add(check);
        }

        return Answer(check);
    }
}
