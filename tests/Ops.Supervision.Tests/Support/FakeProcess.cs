using Ops.Supervision.Os;

namespace Ops.Supervision.Tests.Support;

/// <summary>
/// A process whose life the test controls. Its leader exits when the test says so, on a stop signal (unless
/// <see cref="IgnoreStopSignal"/>) or on Kill. "Survivors" stand for grandchildren left in the group.
/// Continuations run synchronously on purpose: an exit triggered by the test is posted before the call returns.
/// <see cref="StopAsync"/> is the edge's stop played on the test's clock: the grace and each wait after SIGKILL are
/// timers of <paramref name="time"/>, so they end when the test advances time.
/// </summary>
internal sealed class FakeProcess(int pid, LaunchSpec spec, DateTimeOffset startedAt, TimeProvider time) : IRunningProcess
{
    /// <summary>How long the fake waits after each SIGKILL before it reports survivors.</summary>
    public static readonly TimeSpan KillWait = TimeSpan.FromSeconds(30);

    /// <summary>The pid reported for a grandchild that survived SIGKILL.</summary>
    public const int SurvivorPidOffset = 100_000;

    private readonly List<(int Signal, TimeSpan Grace)> _stops = [];

    private readonly TaskCompletionSource<ProcessExit> _exited = new();
    private readonly List<TaskCompletionSource<bool>> _groupWaiters = [];
    private readonly List<int> _signals = [];
    private readonly Lock _gate = new();
    private bool _survivors;
    private int _kills;

    public int Pid { get; } = pid;

    public LaunchSpec Spec { get; } = spec;

    /// <summary>FakeTimeProvider time of the launch.</summary>
    public DateTimeOffset StartedAt { get; } = startedAt;

    public Task<ProcessExit> Exited => _exited.Task;

    /// <summary>The leader does not react to signals other than SIGKILL.</summary>
    public bool IgnoreStopSignal { get; set; }

    /// <summary>Grandchildren that survive SIGKILL until <see cref="EndSurvivors"/> (a process in D state).</summary>
    public bool SurvivorsResistKill { get; set; }

    /// <summary>Lines returned by Tail(Stderr).</summary>
    public IReadOnlyList<string> Stderr { get; set; } = [];

    public bool IsAlive => !_exited.Task.IsCompleted;

    public bool MarkedGroupEnded { get; private set; }

    /// <summary>MarkGroupEnded was called while the group still had processes: a supervisor bug.</summary>
    public bool MarkedGroupEndedTooEarly { get; private set; }

    public bool Disposed { get; private set; }

    public IReadOnlyList<int> Signals
    {
        get
        {
            lock (_gate)
            {
                return [.. _signals];
            }
        }
    }

    public int Kills => Volatile.Read(ref _kills);

    /// <summary>Every StopAsync call, in order: its signal and grace.</summary>
    public IReadOnlyList<(int Signal, TimeSpan Grace)> Stops
    {
        get
        {
            lock (_gate)
            {
                return [.. _stops];
            }
        }
    }

    /// <summary>Leaves processes in the group when the leader exits.</summary>
    public FakeProcess WithSurvivors()
    {
        lock (_gate)
        {
            _survivors = true;
        }

        return this;
    }

    public void Exit(int code) => Finish(ProcessExit.Exited(code));

    public void Crash(int signal) => Finish(ProcessExit.Killed(signal));

    /// <summary>The last grandchildren finally go.</summary>
    public void EndSurvivors()
    {
        lock (_gate)
        {
            _survivors = false;
        }

        ReleaseGroupWaiters();
    }

    public void Signal(int signal)
    {
        lock (_gate)
        {
            _signals.Add(signal);
        }

        if (signal == 9)
        {
            Kill();
        }
        else if (!IgnoreStopSignal)
        {
            Finish(ProcessExit.Killed(signal));
        }
    }

    public void Kill()
    {
        Interlocked.Increment(ref _kills);
        lock (_gate)
        {
            if (!SurvivorsResistKill)
            {
                _survivors = false;
            }
        }

        Finish(ProcessExit.Killed(9));
        ReleaseGroupWaiters();
    }

    public bool GroupIsEmpty()
    {
        lock (_gate)
        {
            return !IsAlive && !_survivors;
        }
    }

    public Task<bool> WaitGroupEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!IsAlive && !_survivors)
            {
                return Task.FromResult(true);
            }

            var waiter = new TaskCompletionSource<bool>();
            _groupWaiters.Add(waiter);
            return waiter.Task;
        }
    }

    public async Task<StopOutcome> StopAsync(int signal, TimeSpan grace, CancellationToken force)
    {
        lock (_gate)
        {
            _stops.Add((signal, grace));
        }

        if (grace > TimeSpan.Zero && !force.IsCancellationRequested)
        {
            Signal(signal);
            if (await WaitEmptyAsync(grace, force).ConfigureAwait(false))
            {
                return StopOutcome.GoneAfterSignal;
            }
        }
        else if (GroupIsEmpty())
        {
            return StopOutcome.GoneAfterSignal;
        }

        Kill();
        return await WaitEmptyAsync(KillWait, CancellationToken.None).ConfigureAwait(false)
            ? StopOutcome.GoneAfterKill
            : StopOutcome.Left([Pid + SurvivorPidOffset]);
    }

    /// <summary>True once the group is empty, false when <paramref name="timeout"/> of fake time passes or force fires.</summary>
    private async Task<bool> WaitEmptyAsync(TimeSpan timeout, CancellationToken force)
    {
        var empty = WaitGroupEmptyAsync(timeout, CancellationToken.None);
        if (empty.IsCompleted)
        {
            return await empty.ConfigureAwait(false);
        }

        try
        {
            await empty.WaitAsync(timeout, time, force).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    public IReadOnlyList<string> Tail(OutputStream stream, int max) =>
        stream == OutputStream.Stderr ? [.. Stderr.TakeLast(max)] : [];

    public void MarkGroupEnded()
    {
        // The supervisor swallows exceptions from the edge, so a violation is remembered rather than thrown.
        MarkedGroupEndedTooEarly |= !GroupIsEmpty();
        MarkedGroupEnded = true;
    }

    public void Dispose() => Disposed = true;

    private void Finish(ProcessExit exit)
    {
        if (_exited.TrySetResult(exit))
        {
            ReleaseGroupWaiters();
        }
    }

    private void ReleaseGroupWaiters()
    {
        TaskCompletionSource<bool>[] released;
        lock (_gate)
        {
            if (IsAlive || _survivors)
            {
                return;
            }

            released = [.. _groupWaiters];
            _groupWaiters.Clear();
        }

        foreach (var waiter in released)
        {
            waiter.TrySetResult(true);
        }
    }
}
