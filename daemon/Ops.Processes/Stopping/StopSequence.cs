using Ops.Processes.Native;
using Ops.Supervision.Os;

namespace Ops.Processes.Stopping;

/// <summary>
/// The stop of one launch, written once for every caller (a running process, an orphan record): the graceful
/// signal, the grace, SIGKILL, then bounded waits for the launch to be confirmed gone with SIGKILL again between
/// them. Processes that outlive all of it (stuck in the kernel) are reported, never forgotten.
/// </summary>
internal static class StopSequence
{
    /// <summary>How many times SIGKILL is sent before the survivors are reported.</summary>
    internal const int KillRounds = 3;

    /// <summary>How long each wait after SIGKILL lasts: a killed process is normally gone in milliseconds.</summary>
    internal static readonly TimeSpan KillWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs the stop of <paramref name="target"/>. A zero (or negative) <paramref name="grace"/> skips the graceful
    /// signal. <paramref name="force"/> ends the grace early; the kill and its waits are never cut short by it.
    /// </summary>
    public static async Task<StopOutcome> RunAsync(IStopTarget target, int signal, TimeSpan grace, CancellationToken force)
    {
        if (grace > TimeSpan.Zero && !force.IsCancellationRequested)
        {
            target.Signal(signal);
            try
            {
                if (await target.WaitGoneAsync(grace, force).ConfigureAwait(false))
                {
                    return StopOutcome.GoneAfterSignal;
                }
            }
            catch (OperationCanceledException) when (force.IsCancellationRequested)
            {
                // Forced: the grace is over, the kill below still runs.
            }
        }
        else if (await target.WaitGoneAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false))
        {
            // Nothing left to kill: the leader took everything with it.
            return StopOutcome.GoneAfterSignal;
        }

        for (int round = 0; round < KillRounds; round++)
        {
            target.Signal(LinuxConstants.SIGKILL);
            if (await target.WaitGoneAsync(KillWait, CancellationToken.None).ConfigureAwait(false))
            {
                return StopOutcome.GoneAfterKill;
            }
        }

        IReadOnlyList<int> left = target.Remaining();

        // Gone between the last wait and the count: that is a kill that worked.
        return left.Count == 0 ? StopOutcome.GoneAfterKill : StopOutcome.Left(left);
    }
}
