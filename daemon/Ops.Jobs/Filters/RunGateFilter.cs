using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Keeps a queue's runs on this host at its Workers while its Hangfire server has Workers + Prefetch workers: the
/// extra workers take the next jobs from the storage while the runs go on, and wait here until a run ends, so the
/// next run starts without the storage round trips of taking a job. Runs first of Ops' filters: a waiting job holds
/// no Concurrency slot and has used no attempt, so a daemon stopping or crashing meanwhile costs it nothing.
/// A job waiting here still counts against its queue's Capacity (<see cref="TakenAhead"/>) until it passes.
/// </summary>
public sealed partial class RunGateFilter : IServerFilter
{
    private const string HeldGate = "Ops.RunGate";

    private readonly TaskCatalog _catalog;
    private readonly Dictionary<string, Gate> _gates;
    private readonly ILogger _logger;

    public RunGateFilter(TaskCatalog catalog, ILogger<RunGateFilter>? logger = null)
    {
        _catalog = catalog;
        _logger = logger ?? NullLogger<RunGateFilter>.Instance;
        _gates = catalog.Queues.ToDictionary(q => q.Name, q => new Gate(q.Workers), StringComparer.Ordinal);
    }

    public void OnPerforming(PerformingContext context)
    {
        if (TaskJobs.Spec(_catalog, context.BackgroundJob.Job) is not { } spec || !_gates.TryGetValue(spec.Queue, out var gate))
        {
            return;
        }

        // Canceled when the daemon stops or the job is deleted: it then never started, and Hangfire hands it on.
        try
        {
            gate.Enter(context.CancellationToken.ShutdownToken);

            // Held from here on: OnPerformed gives the slot back whatever happens next.
            context.Items[HeldGate] = gate;
        }
        finally
        {
            // Passed or handed back to the queue (counted there again): either way it waits here no more.
            ForgetTakenAhead(context, spec.Queue);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.Remove(HeldGate, out var held) && held is Gate gate)
        {
            gate.Exit();
        }
    }

    /// <summary>
    /// Drops the job from its queue's taken-ahead set. A storage that fails this write must not fail the run: the
    /// entry also leaves with the job's Processing state, and until then the queue counts one waiting job too many
    /// (refusing early, never flooding).
    /// </summary>
    private void ForgetTakenAhead(PerformingContext context, string queue)
    {
        try
        {
            TakenAhead.Passed(context.Connection, queue, context.BackgroundJob.Id);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogForgetFailed(queue, context.BackgroundJob.Id, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue}: job {JobId} started, but dropping it from the queue's taken-ahead count failed; it counts as waiting until its run ends")]
    private partial void LogForgetFailed(string queue, string jobId, Exception exception);

    /// <summary>
    /// A counting gate whose waiters block at once: SemaphoreSlim spins (sched_yield) before it blocks, and with
    /// Prefetch workers waiting for every run that spinning took a sixth of the daemon's CPU from the runs.
    /// </summary>
    internal sealed class Gate(int slots)
    {
        // A plain object: Monitor.Wait and Pulse need a monitor, which System.Threading.Lock is not.
        private readonly object _lock = new();
        private int _free = slots;

        /// <summary>The free slots now.</summary>
        public int Free
        {
            get
            {
                lock (_lock)
                {
                    return _free;
                }
            }
        }

        /// <summary>Takes a slot, waiting for one; throws <see cref="OperationCanceledException"/> when canceled first.</summary>
        public void Enter(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_free > 0)
                {
                    _free--;
                    return;
                }
            }

            // The callback needs the lock, which Wait gives up only while waiting: a cancellation is never missed.
            using var wake = cancellationToken.Register(static state => ((Gate)state!).WakeAll(), this);
            lock (_lock)
            {
                while (_free == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Monitor.Wait(_lock);
                }

                _free--;
            }
        }

        /// <summary>Gives a slot back and wakes one waiter.</summary>
        public void Exit()
        {
            lock (_lock)
            {
                _free++;
                Monitor.Pulse(_lock);
            }
        }

        private void WakeAll()
        {
            lock (_lock)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }
}
