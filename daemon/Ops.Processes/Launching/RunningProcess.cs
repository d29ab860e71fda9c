using Microsoft.Extensions.Logging;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Output;
using Ops.Processes.Sampling;
using Ops.Processes.Stopping;
using Ops.Supervision.Os;

namespace Ops.Processes.Launching;

/// <summary>
/// A child started by <see cref="LinuxProcessLauncher"/>: the leader of its own session and process group. A supervised
/// launch is more than its group: every process carrying the launch's token (one that left the group with setsid or
/// setpgid, a double-forked daemon) is signalled with it and must be gone before the group counts as empty.
/// </summary>
internal sealed partial class RunningProcess : IRunningProcess, IStopTarget
{
    // How long an exit waits for the output pumps to drain the pipes, so the last lines (often the reason for a
    // failure) are in the tail when the supervisor reads it. Only a grandchild holding the pipe open makes it wait
    // that long; otherwise the pipes end together with the leader.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private static readonly TimeSpan GroupPollInterval = TimeSpan.FromMilliseconds(10);

    // A sweep reads the environment of every younger process on the machine: it waits longer between rounds than the
    // group poll, up to this, while carriers are dying.
    private static readonly TimeSpan MaxSweepInterval = TimeSpan.FromMilliseconds(100);

    private readonly LaunchSpec _spec;
    private readonly Task<ProcessExit> _reaped;
    private readonly ManualResetEventSlim _reapedSignal;
    private readonly Task _pumps;

    // Set once both pumps have ended; never spins (spin count 0), never disposed (set from another thread).
    private readonly ManualResetEventSlim _drainedSignal = new(false, 0);
    private Task<ProcessExit>? _exited;
    private readonly InstanceOutput _output;
    private readonly GroupRecordStore? _records;
    private readonly LaunchCarriers? _carriers;
    private readonly CancellationTokenSource _stdinCancellation;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _groupEnded;

    /// <param name="reapedSignal">Set by the reaper thread right after <paramref name="reaped"/> completes, so that
    /// <see cref="WaitForExit"/> wakes without a thread-pool hop; never spins (spin count 0).</param>
    public RunningProcess(
        LaunchSpec spec,
        int pid,
        Task<ProcessExit> reaped,
        ManualResetEventSlim reapedSignal,
        Task pumps,
        InstanceOutput output,
        GroupRecordStore? records,
        LaunchCarriers? carriers,
        CancellationTokenSource stdinCancellation,
        TimeProvider time,
        ILogger logger)
    {
        _spec = spec;
        Pid = pid;
        _reaped = reaped;
        _reapedSignal = reapedSignal;

        // The pumps may end on the pipe thread (an end of stream is finished there): a blocked WaitForExit is woken
        // right there, everyone else continues on the thread pool, never on that thread.
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = pumps.ContinueWith(
            static (_, state) =>
            {
                var (signal, done) = ((ManualResetEventSlim, TaskCompletionSource))state!;
                signal.Set();
                done.TrySetResult();
            },
            (_drainedSignal, drained),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _pumps = drained.Task;
        _output = output;
        _records = records;
        _carriers = carriers;
        _stdinCancellation = stdinCancellation;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    public int Pid { get; }

    /// <inheritdoc/>
    /// <remarks>Made on first use: a caller that blocks in <see cref="WaitForExit"/> never pays for the async chain.</remarks>
    public Task<ProcessExit> Exited => LazyInitializer.EnsureInitialized(ref _exited, () => WhenExitedAndDrainedAsync(_reaped, _pumps));

    /// <inheritdoc/>
    public ProcessExit? WaitForExit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!WaitNoSpin(_reapedSignal, timeout, cancellationToken))
        {
            return null;
        }

        // The pipes usually end together with the leader; only a grandchild holding them open makes this wait.
        _ = _drainedSignal.Wait(DrainGrace, CancellationToken.None);

        return _reaped.Result;
    }

    /// <inheritdoc/>
    /// <remarks>A failure other than "no such group" is logged, not thrown: the stop goes on to SIGKILL and the
    /// group-empty check, which report the outcome. The launch's token carriers outside the group get the signal too,
    /// and so does any carrier a later check finds.</remarks>
    public void Signal(int signal)
    {
        int errno = ProcessGroups.Signal(Pid, signal);
        if (errno is not 0 and not LinuxConstants.ESRCH)
        {
            LogSignalFailed(_logger, _spec.Owner.LogName, _spec.Owner.Index, Pid, signal, Errno.Describe(errno));
        }

        if (_carriers is not { } carriers)
        {
            return;
        }

        // The graceful stage sweeps on the thread pool: a sweep reads every process's environment (milliseconds on a
        // busy host), and the leader's exit and the group check need not wait for it. The forced stage sweeps here,
        // so a caller that waits for the group after Kill knows every carrier found has had SIGKILL.
        carriers.BeginStage(signal);
        if (signal == LinuxConstants.SIGKILL)
        {
            LogCarriers(carriers.Sweep(), signal);
        }
        else
        {
            _ = Task.Run(() => LogCarriers(carriers.Sweep(), signal));
        }
    }

    private void LogCarriers(IReadOnlyList<int> carriers, int signal)
    {
        if (carriers.Count > 0)
        {
            LogSignalledCarriers(_logger, _spec.Owner.LogName, _spec.Owner.Index, Pid, signal, string.Join(",", carriers));
        }
    }

    /// <inheritdoc/>
    public void Kill() => Signal(LinuxConstants.SIGKILL);

    /// <inheritdoc/>
    /// <remarks>The group first (one kill(2)), the sweep for token carriers only once the group is empty.</remarks>
    public bool GroupIsEmpty() => _reaped.IsCompleted && ProcessGroups.IsEmpty(Pid) && NoCarrierLeft();

    /// <inheritdoc/>
    /// <remarks>Waits for the leader's reaping (an event) first; then polls the group every 10 ms, since a group has
    /// no exit event, and sweeps for token carriers, at growing intervals, until a sweep finds none.</remarks>
    public async Task<bool> WaitGroupEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        if (!_reaped.IsCompleted)
        {
            // A timeout or a cancellation ends the wait without throwing here; the checks below tell which.
            Task reaped = _reaped;
            await reaped.WaitAsync(Clamp(timeout), _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            if (!_reaped.IsCompleted)
            {
                return false;
            }
        }

        TimeSpan interval = GroupPollInterval;
        while (!ProcessGroups.IsEmpty(Pid) || !NoCarrierLeft())
        {
            if (_time.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            if (ProcessGroups.IsEmpty(Pid))
            {
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxSweepInterval.Ticks));
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public Task<StopOutcome> StopAsync(int signal, TimeSpan grace, CancellationToken force) =>
        StopSequence.RunAsync(this, signal, grace, force);

    /// <inheritdoc/>
    Task<bool> IStopTarget.WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitGroupEmptyAsync(timeout, cancellationToken);

    /// <inheritdoc/>
    IReadOnlyList<int> IStopTarget.Remaining()
    {
        IEnumerable<int> left = ProcessTable.ListGroup(Pid);
        if (!_reaped.IsCompleted)
        {
            left = left.Append(Pid);
        }

        if (_carriers is { } carriers)
        {
            left = left.Concat(carriers.Sweep());
        }

        return [.. left.Distinct().Order()];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Tail(OutputStream stream, int max) =>
        [.. _output.Get(stream).Tail(max, Pid).Select(line => line.Text)];

    /// <inheritdoc/>
    public void MarkGroupEnded()
    {
        if (_records is null || Interlocked.Exchange(ref _groupEnded, 1) != 0)
        {
            return;
        }

        try
        {
            _records.Delete(_spec.Owner, Pid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Harmless: the next daemon start finds no process matching the record and deletes it then.
            LogRecordDeleteFailed(_logger, ex, _spec.Owner.LogName, _spec.Owner.Index, Pid);
        }
    }

    /// <summary>One sweep; a carrier found after a stop's signal gets that signal (see <see cref="LaunchCarriers"/>).</summary>
    private bool NoCarrierLeft() => _carriers is null || _carriers.Sweep().Count == 0;

    /// <summary>Stops feeding stdin if that is still going on. Kills nothing; the reaper still reaps the child.</summary>
    public void Dispose() => _stdinCancellation.Cancel();

    /// <summary>A wait longer than a timer can take is as good as endless for a stop.</summary>
    private static TimeSpan Clamp(TimeSpan timeout) =>
        timeout > LongestTimerWait ? LongestTimerWait : timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;

    /// <summary>A wait in slices: the event takes at most int.MaxValue milliseconds, a task's Timeout may be longer.</summary>
    private static bool WaitNoSpin(ManualResetEventSlim signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TimeSpan slice = TimeSpan.FromMilliseconds(int.MaxValue - 1);
        while (timeout > slice)
        {
            if (signal.Wait(slice, cancellationToken))
            {
                return true;
            }

            timeout -= slice;
        }

        return signal.Wait(timeout, cancellationToken);
    }

    private async Task<ProcessExit> WhenExitedAndDrainedAsync(Task<ProcessExit> reaped, Task pumps)
    {
        ProcessExit exit = await reaped.ConfigureAwait(false);
        await pumps.WaitAsync(DrainGrace, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return exit;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending signal {Signal} to {Program}:{Instance} (process group {Pid}) failed: {Error}")]
    private static partial void LogSignalFailed(ILogger logger, string program, int instance, int pid, int signal, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signal {Signal} to {Program}:{Instance} (process group {Pid}) also went to pids {Pids}, which left the group but carry its launch token")]
    private static partial void LogSignalledCarriers(ILogger logger, string program, int instance, int pid, int signal, string pids);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting the orphan record of {Program}:{Instance} (pid {Pid}) failed; the next start cleans it up")]
    private static partial void LogRecordDeleteFailed(ILogger logger, Exception exception, string program, int instance, int pid);
}
