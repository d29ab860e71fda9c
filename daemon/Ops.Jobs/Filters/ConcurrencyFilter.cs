using System.Globalization;
using Hangfire.Server;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Filters;

/// <summary>
/// Caps simultaneous runs of one task across all hosts (Concurrency): a run must hold one of N distributed
/// locks in the shared storage while it runs. A run that finds all N taken is not started and not counted as an
/// attempt; the retry filter puts it back after <see cref="WaitBeforeRetry"/>.
/// Runs before <see cref="AttemptFilter"/> (lower order).
/// </summary>
public sealed partial class ConcurrencyFilter(TaskCatalog catalog, ILogger<ConcurrencyFilter> logger) : IServerFilter
{
    /// <summary>How long a throttled run waits before it tries again.</summary>
    public static readonly TimeSpan WaitBeforeRetry = TimeSpan.FromSeconds(2);

    private const string HeldLock = "Ops.ConcurrencySlot";

    public void OnPerforming(PerformingContext context)
    {
        if (TaskJobs.Spec(catalog, context.BackgroundJob.Job) is not { Concurrency: { } limit } spec)
        {
            return;
        }

        for (var slot = 0; slot < limit; slot++)
        {
            try
            {
                context.Items[HeldLock] = context.Connection.AcquireDistributedLock(
                    string.Create(CultureInfo.InvariantCulture, $"ops:concurrency:{spec.Name}:{slot}"),
                    TimeSpan.Zero);
                return;
            }
            catch (DistributedLockTimeoutException)
            {
                // Taken by a run on this or another host: try the next slot.
            }
        }

        LogThrottled(spec.Name, context.BackgroundJob.Id, limit);
        throw new ConcurrencyLimitException(string.Create(CultureInfo.InvariantCulture, $"task {spec.Name} already runs {limit} time(s) across all hosts (Concurrency {limit})"));
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.TryGetValue(HeldLock, out var held) && held is IDisposable slot)
        {
            slot.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} job {JobId} waits: Concurrency {Concurrency} reached")]
    private partial void LogThrottled(string task, string jobId, int concurrency);
}
