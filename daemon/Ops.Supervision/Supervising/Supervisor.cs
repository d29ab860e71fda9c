using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>
/// Supervises every configured program. One loop reads one channel of events (commands, exits, timers, probe
/// results) and handles them one at a time, so no state here needs a lock; other threads only post events and
/// read published snapshots. Processes are touched only through <see cref="IProcessLauncher"/>, time only through
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class Supervisor : ISupervisor, IAsyncDisposable
{
    private readonly IProcessLauncher _launcher;
    private readonly IProcessTreeSampler _sampler;
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly ILogger<Supervisor> _logger;
    private readonly SupervisorOptions _options;

    private readonly Channel<LoopEvent> _events = Channel.CreateUnbounded<LoopEvent>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = false,

        // Posting happens on timer, reaper and API threads: they must never end up running the loop.
        AllowSynchronousContinuations = false,
    });

    private readonly CancellationTokenSource _lifetime = new();
    private readonly long _clockStart;

    /// <summary>Replaced as a whole, by the loop only, when a reload is applied; read by API threads.</summary>
    private volatile ProgramTable _table;

    private long _lastTurn;
    private long _sequence;
    private int _outstanding;
    private int _runCalled;
    private int _disposed;
    private Task? _run;
    private ITimer? _heartbeatTimer;
    private ITimer? _memoryTimer;

    /// <summary>Set by anything that may unblock a dependency wait (a transition, a health change).</summary>
    private bool _changed;

    /// <summary>Creates a supervisor for <paramref name="programs"/>; nothing starts before <see cref="RunAsync"/>.</summary>
    /// <exception cref="ArgumentException">Two programs share a name, or DependsOn has a cycle.</exception>
    public Supervisor(
        IEnumerable<ProgramSpec> programs,
        IProcessLauncher launcher,
        IProcessTreeSampler sampler,
        IHealthProbe probe,
        TimeProvider time,
        IRandomSource random,
        ILogger<Supervisor> logger,
        SupervisorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(programs);
        _launcher = launcher ?? throw new ArgumentNullException(nameof(launcher));
        _sampler = sampler ?? throw new ArgumentNullException(nameof(sampler));
        _probe = probe ?? throw new ArgumentNullException(nameof(probe));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _options = options ?? new SupervisorOptions();

        _clockStart = time.GetTimestamp();
        _lastTurn = _clockStart;

        _table = ProgramTable.Create([.. programs.Select(CreateEntry)]);
        LogUnknownDependencies(_table);
    }

    /// <summary>Raised from the supervision loop after every transition; a throwing handler is logged and ignored.</summary>
    public event EventHandler<TransitionRecord>? TransitionRecorded;

    /// <summary>Time since the supervisor was created, on the monotonic clock: the "now" of restart decisions.</summary>
    private TimeSpan Now => _time.GetElapsedTime(_clockStart);

    /// <summary>True when no event is queued or being handled and no probe or sample is being started (tests).</summary>
    internal bool IsIdle => Volatile.Read(ref _outstanding) == 0;

    /// <summary>
    /// Runs the supervision loop until <paramref name="cancellationToken"/> is cancelled: starts AutoStart programs
    /// in dependency order, then handles events. Call once. Cancelling does not stop any process: call
    /// <see cref="StopAllAsync"/> first for that.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _runCalled, 1) != 0)
        {
            throw new InvalidOperationException("The supervision loop is already running; RunAsync may be called once.");
        }

        Volatile.Write(ref _lastTurn, _time.GetTimestamp());
        _heartbeatTimer = _time.CreateTimer(
            _ => Post(HeartbeatTick.Instance), null, _options.HeartbeatInterval, _options.HeartbeatInterval);
        EnsureMemoryTimer();

        Post(AutoStartRequested.Instance);
        _run = LoopAsync(cancellationToken);
        return _run;
    }

    /// <summary>Ends the loop (if running) and releases timers and process handles; kills nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_run is { } run)
        {
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The loop logs its own failures; disposal only has to wait for it.
            }
        }
        else
        {
            CloseChannel();
        }

        foreach (var instance in _table.Instances)
        {
            instance.CancelTimers();
            instance.Process?.Dispose();
        }

        _lifetime.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var reader = _events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (!stop.IsCancellationRequested && reader.TryRead(out var next))
                {
                    Turn(next);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Cancellation is the normal end of the loop.
        }
        finally
        {
            _heartbeatTimer?.Dispose();
            _memoryTimer?.Dispose();
            CloseChannel();
            if (Volatile.Read(ref _disposed) == 0)
            {
                // Probes and group waits still in flight have nobody left to report to.
                await _lifetime.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Handles one event. Failures are logged per event: one bad event never stops supervision.</summary>
    private void Turn(LoopEvent next)
    {
        Volatile.Write(ref _lastTurn, _time.GetTimestamp());
        try
        {
            Dispatch(next);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.EventFailed(_logger, next.GetType().Name, ex);
        }

        try
        {
            AfterEvent();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.EventFailed(_logger, "dependency and shutdown follow-up", ex);
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private void Dispatch(LoopEvent next)
    {
        switch (next)
        {
            case AutoStartRequested:
                AutoStart();
                break;
            case CommandRequested command:
                HandleCommand(command);
                break;
            case ReloadRequested reload:
                HandleReload(reload);
                break;
            case StopAllRequested stopAll:
                BeginStopAll(stopAll.Completion);
                break;
            case ProcessExited exited:
                OnProcessExited(exited);
                break;
            case StopEnded stopEnded:
                OnStopEnded(stopEnded);
                break;
            case InstanceTimerFired timer:
                OnTimer(timer);
                break;
            case HealthChecked health:
                OnHealthChecked(health);
                break;
            case MemoryTick:
                OnMemoryTick();
                break;
            case MemorySampled sample:
                OnMemorySampled(sample);
                break;
            case HeartbeatTick:
                // The turn itself is the point: _lastTurn moved.
                break;
            default:
                throw new InvalidOperationException($"Unknown loop event {next.GetType().Name}.");
        }
    }

    /// <summary>Follow-ups that depend on the state of many instances, checked once per event.</summary>
    private void AfterEvent()
    {
        // First, so that the waits of instances a reload just stopped are gone before the waits are looked at.
        AdvanceReload();
        if (_changed)
        {
            _changed = false;
            ReevaluateDependencyWaits();
        }

        AdvanceStopAll();
    }

    /// <summary>Queues <paramref name="next"/> for the loop; safe from any thread, never blocks.</summary>
    private void Post(LoopEvent next)
    {
        Interlocked.Increment(ref _outstanding);
        if (_events.Writer.TryWrite(next))
        {
            return;
        }

        Interlocked.Decrement(ref _outstanding);
        Refuse(next);
    }

    /// <summary>No more events: answer whatever is still queued so no caller waits forever.</summary>
    private void CloseChannel()
    {
        _events.Writer.TryComplete();
        while (_events.Reader.TryRead(out var left))
        {
            Interlocked.Decrement(ref _outstanding);
            Refuse(left);
        }

        foreach (var waiter in _stopAllWaiters)
        {
            waiter.TrySetException(new InvalidOperationException("The supervision loop ended before every program stopped."));
        }

        AbandonReloads("the supervision loop ended");

        _stopAllWaiters.Clear();
    }

    private static void Refuse(LoopEvent next)
    {
        const string NotRunning = "The supervision loop is not running.";
        switch (next)
        {
            case CommandRequested command:
                command.Completion.TrySetException(new InvalidOperationException(NotRunning));
                break;
            case StopAllRequested stopAll:
                stopAll.Completion.TrySetException(new InvalidOperationException(NotRunning));
                break;
            case ReloadRequested reload:
                reload.Completion.TrySetException(new InvalidOperationException(NotRunning));
                break;
        }
    }

    /// <summary>
    /// Starts <paramref name="start"/> on the thread pool (probes and samplers may block) and posts its outcome.
    /// Counted as outstanding until the call has returned, so tests can wait for the loop to be idle.
    /// </summary>
    private void RunOffLoop<T>(Func<Task<T>> start, Func<T, LoopEvent> succeeded, Func<Exception, LoopEvent> failed)
    {
        Interlocked.Increment(ref _outstanding);
        _ = Task.Run(() =>
        {
            try
            {
                Task<T> task;
                try
                {
                    task = start();
                }
                catch (Exception ex)
                {
                    task = Task.FromException<T>(ex);
                }

                _ = task.ContinueWith(
                    t => Post(t.IsCompletedSuccessfully
                        ? succeeded(t.Result)
                        : failed(t.Exception?.GetBaseException() ?? new OperationCanceledException("cancelled"))),
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            finally
            {
                Interlocked.Decrement(ref _outstanding);
            }
        });
    }

    /// <summary>Measures memory only while some program has a limit; a reload may add the first one.</summary>
    private void EnsureMemoryTimer()
    {
        if (_memoryTimer is null && _table.Programs.Any(p => p.MemoryLimitBytes > 0))
        {
            _memoryTimer = _time.CreateTimer(
                _ => Post(MemoryTick.Instance), null, _options.MemoryCheckInterval, _options.MemoryCheckInterval);
        }
    }

    private ProgramEntry CreateEntry(ProgramSpec spec)
    {
        var entry = new ProgramEntry(spec);
        entry.Instances = [.. Enumerable.Range(0, Math.Max(spec.Instances, 0)).Select(i => CreateInstance(entry, i))];
        return entry;
    }

    private Instance CreateInstance(ProgramEntry entry, int index) =>
        new(entry, index, new InstanceStateMachine(new InstanceId(entry.Name, index), _time, _options.HistoryPerInstance, () => ++_sequence));
}
