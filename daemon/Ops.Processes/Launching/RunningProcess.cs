using Microsoft.Extensions.Logging;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Output;
using Ops.Supervision.Os;

namespace Ops.Processes.Launching;

/// <summary>A child started by <see cref="LinuxProcessLauncher"/>: the leader of its own session and process group.</summary>
internal sealed partial class RunningProcess : IRunningProcess
{
    // How long an exit waits for the output pumps to drain the pipes, so the last lines (often the reason for a
    // failure) are in the tail when the supervisor reads it. Only a grandchild holding the pipe open makes it wait
    // that long; otherwise the pipes end together with the leader.
    private static readonly TimeSpan s_drainGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_groupPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly LaunchSpec _spec;
    private readonly Task<ProcessExit> _reaped;
    private readonly ManualResetEventSlim _reapedSignal;
    private readonly Task _pumps;

    // Set once both pumps have ended; never spins (spin count 0), never disposed (set from another thread).
    private readonly ManualResetEventSlim _drainedSignal = new(false, 0);
    private Task<ProcessExit>? _exited;
    private readonly InstanceOutput _output;
    private readonly GroupRecordStore? _records;
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
        _ = _drainedSignal.Wait(s_drainGrace, CancellationToken.None);

        return _reaped.Result;
    }

    /// <inheritdoc/>
    /// <remarks>A failure other than "no such group" is logged, not thrown: the stop goes on to SIGKILL and the
    /// group-empty check, which report the outcome.</remarks>
    public void Signal(int signal)
    {
        int errno = ProcessGroups.Signal(Pid, signal);
        if (errno is not 0 and not LinuxConstants.ESRCH)
        {
            LogSignalFailed(_logger, _spec.Program, _spec.Instance, Pid, signal, Errno.Describe(errno));
        }
    }

    /// <inheritdoc/>
    public void Kill() => Signal(LinuxConstants.SIGKILL);

    /// <inheritdoc/>
    public bool GroupIsEmpty() => _reaped.IsCompleted && ProcessGroups.IsEmpty(Pid);

    /// <inheritdoc/>
    /// <remarks>Polls every 10 ms: it only runs while a stop is in progress, and a group has no exit event.</remarks>
    public async Task<bool> WaitGroupEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        while (!GroupIsEmpty())
        {
            if (_time.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(s_groupPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
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
            _records.Delete(_spec.Program, _spec.Instance, Pid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Harmless: the next daemon start finds no process matching the record and deletes it then.
            LogRecordDeleteFailed(_logger, ex, _spec.Program, _spec.Instance, Pid);
        }
    }

    /// <summary>Stops feeding stdin if that is still going on. Kills nothing; the reaper still reaps the child.</summary>
    public void Dispose() => _stdinCancellation.Cancel();

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
        await pumps.WaitAsync(s_drainGrace, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return exit;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending signal {Signal} to {Program}:{Instance} (process group {Pid}) failed: {Error}")]
    private static partial void LogSignalFailed(ILogger logger, string program, int instance, int pid, int signal, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting the orphan record of {Program}:{Instance} (pid {Pid}) failed; the next start cleans it up")]
    private static partial void LogRecordDeleteFailed(ILogger logger, Exception exception, string program, int instance, int pid);
}
