using Ops.Processes.Native;
using Ops.Processes.Stopping;

namespace Ops.Processes.Tests.Support;

/// <summary>Never gone on its own; a wait blocks until its token fires; SIGKILL ends it.</summary>
internal sealed class BlockingUntilForced : IStopTarget
{
    private readonly List<int> _signals = [];

    public IReadOnlyList<int> Signals => _signals;

    public void Signal(int signal) => _signals.Add(signal);

    public async Task<bool> WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_signals.Contains(LinuxConstants.SIGKILL))
        {
            return true;
        }

        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        return false;
    }

    public IReadOnlyList<int> Remaining() => _signals.Contains(LinuxConstants.SIGKILL) ? [] : [1];
}
