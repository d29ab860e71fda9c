using Ops.Supervision.Specs;

namespace Ops.Supervision.Restarts;

/// <summary>The fields of a program that decide restarts, as plain data.</summary>
public sealed record RestartRules(
    RestartPolicy Policy,
    IReadOnlyList<int> SuccessExitCodes,
    int MaxRestarts,
    TimeSpan RestartWindow,
    BackoffPolicy Backoff)
{
    /// <summary>The restart rules of <paramref name="spec"/>.</summary>
    public static RestartRules From(ProgramSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(spec.Restart, spec.SuccessExitCodes, spec.MaxRestarts, spec.RestartWindow, spec.Backoff);
    }
}
