using Ops.Supervision.Os;

namespace Ops.Jobs.Tests.Support;

/// <summary>
/// A process that exits when the test says so: it records the signals it gets and can exit on one (a command that
/// honours SIGTERM), and says when the runner starts to wait for it, so a test can advance the clock after that.
/// </summary>
internal sealed class FakeRunningProcess(int pid, TimeProvider time) : IRunningProcess
{
    private readonly TaskCompletionSource<ProcessExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Pid { get; } = pid;

    public Task<ProcessExit> Exited => _exited.Task;

    /// <summary>Completes once the runner blocks in <see cref="WaitForExit"/>.</summary>
    public Task Waiting => _waiting.Task;

    /// <summary>When set, the leader exits with this once it gets that signal (SIGKILL always ends it).</summary>
    public (int Signal, ProcessExit Exit)? ExitOn { get; set; }

    /// <summary>What <see cref="GroupIsEmpty"/> and <see cref="WaitGroupEmptyAsync"/> answer.</summary>
    public bool GroupEmpty { get; set; } = true;

    /// <summary>What the process printed on stderr.</summary>
    public List<string> Stderr { get; } = [];

    /// <summary>Signals sent to the group, in order (SIGKILL as 9).</summary>
    public List<int> Signals { get; } = [];

    public int GroupEndedMarks { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>The leader exits now.</summary>
    public void Exit(ProcessExit exit) => _exited.TrySetResult(exit);

    public ProcessExit? WaitForExit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _waiting.TrySetResult();
        try
        {
            return Exited.Wait(timeout, cancellationToken) ? Exited.Result : null;
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    public void Signal(int signal)
    {
        lock (Signals)
        {
            Signals.Add(signal);
        }

        if (ExitOn is { } on && on.Signal == signal)
        {
            Exit(on.Exit);
        }
    }

    /// <summary>
    /// The edge's stop as the runner sees it: the signal, the grace on the test's clock (cut short by the leader's exit
    /// or by <paramref name="force"/>), then SIGKILL when something is left; a group that stays non-empty is a survivor.
    /// A zero grace only kills what is left.
    /// </summary>
    public async Task<StopOutcome> StopAsync(int signal, TimeSpan grace, CancellationToken force)
    {
        if (grace > TimeSpan.Zero && !force.IsCancellationRequested)
        {
            Signal(signal);
            try
            {
                await Exited.WaitAsync(grace, time, force).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // The grace ended with the leader alive: the forced way follows.
            }
        }

        if (Exited.IsCompleted && GroupEmpty)
        {
            return StopOutcome.GoneAfterSignal;
        }

        Kill();
        return GroupEmpty ? StopOutcome.GoneAfterKill : StopOutcome.Left([Pid]);
    }

    public void Kill()
    {
        Signal(9);
        Exit(ProcessExit.Killed(9));
    }

    public bool GroupIsEmpty() => GroupEmpty;

    public Task<bool> WaitGroupEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(GroupEmpty);

    public IReadOnlyList<string> Tail(OutputStream stream, int max) =>
        stream == OutputStream.Stderr ? [.. Stderr.TakeLast(max)] : [];

    public void MarkGroupEnded() => GroupEndedMarks++;

    public void Dispose() => Disposed = true;
}
