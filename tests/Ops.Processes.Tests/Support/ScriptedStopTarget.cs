using Ops.Processes.Stopping;

namespace Ops.Processes.Tests.Support;

/// <summary>
/// A launch for <see cref="StopSequence"/> that ends when the test's script says: after which signal it is gone,
/// or never (stuck in the kernel). Waits that do not end it block until their timeout or cancellation.
/// </summary>
internal sealed class ScriptedStopTarget(Func<IReadOnlyList<int>, bool> goneAfter) : IStopTarget
{
    private readonly List<int> _signals = [];
    private readonly List<TimeSpan> _waits = [];

    /// <summary>Every signal sent, in order.</summary>
    public IReadOnlyList<int> Signals => _signals;

    /// <summary>The timeout of every wait, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits => _waits;

    /// <summary>Reported as still alive when the launch is not gone.</summary>
    public IReadOnlyList<int> Left { get; init; } = [4242];

    public void Signal(int signal) => _signals.Add(signal);

    public async Task<bool> WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _waits.Add(timeout);
        if (goneAfter(_signals))
        {
            return true;
        }

        // Never gone within a wait of this script: the wait ends by its timeout, shortened here to keep tests fast.
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(timeout.TotalMilliseconds, 20)), cancellationToken);
        return goneAfter(_signals);
    }

    public IReadOnlyList<int> Remaining() => goneAfter(_signals) ? [] : Left;
}
