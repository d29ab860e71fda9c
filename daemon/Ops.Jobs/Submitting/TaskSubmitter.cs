using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;

namespace Ops.Jobs.Submitting;

/// <summary>
/// Turns a run request into jobs, one per item, all or nothing: under a per-queue distributed lock the jobs that
/// wait (in the queue, or taken ahead by any host: <see cref="TakenAhead"/>) plus the request must fit its Capacity, else nothing is enqueued and the caller learns the queue, its
/// capacity and its length. Only configured tasks run: no request carries a command.
/// </summary>
public sealed partial class TaskSubmitter(TaskCatalog catalog, JobStorageHost storage, TimeProvider time, ILogger<TaskSubmitter> logger)
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A job made for a request whose enqueueing then failed expires after this (it was never visible).</summary>
    private static readonly TimeSpan UnenqueuedExpiry = TimeSpan.FromHours(1);

    /// <summary>Most items in one request.</summary>
    public const int MaxItems = 100_000;

    /// <summary>Submits task <paramref name="taskName"/> with optional args and items (each item raw JSON text).</summary>
    public SubmitResult Submit(string taskName, IReadOnlyList<string>? args, IReadOnlyList<string>? items)
    {
        if (catalog.Task(taskName) is not { } spec)
        {
            return new SubmitResult.UnknownTask(taskName);
        }

        if (args is { Count: > 0 } && !spec.AllowArgs)
        {
            return new SubmitResult.Invalid("args", $"task '{taskName}' does not allow arguments (set Ops:Tasks:{taskName}:AllowArgs to true to allow them)");
        }

        if (items is { Count: 0 })
        {
            return new SubmitResult.Invalid("items", "is empty; leave it out for a single run without an item");
        }

        if (items is { Count: > MaxItems })
        {
            return new SubmitResult.Invalid("items", $"has {items.Count} items; at most {MaxItems} per request");
        }

        var argsJson = args is { Count: > 0 } ? JsonSerializer.Serialize(args) : null;
        var queue = catalog.Queue(spec.Queue);
        var runs = items ?? [null!];
        if (runs.Count > queue.Capacity)
        {
            // Not "at capacity": an empty queue could not take it either, so "retry later" would never succeed.
            LogTooLarge(queue.Name, queue.Capacity, spec.Name, runs.Count);
            return new SubmitResult.TooLarge(queue.Name, queue.Capacity, runs.Count);
        }

        try
        {
            var jobStorage = storage.Require();
            using var connection = jobStorage.GetConnection();
            using var gate = connection.AcquireDistributedLock($"ops:capacity:{queue.Name}", LockTimeout);
            var length = TakenAhead.Waiting(jobStorage.GetMonitoringApi(), connection, queue.Name);
            if (length + runs.Count > queue.Capacity)
            {
                LogAtCapacity(queue.Name, length, queue.Capacity, spec.Name, runs.Count);
                return new SubmitResult.AtCapacity(queue.Name, queue.Capacity, length, runs.Count);
            }

            return new SubmitResult.Accepted(CreateAll(jobStorage, connection, spec, queue.Name, argsJson, runs));
        }
        catch (StorageUnavailableException ex)
        {
            return new SubmitResult.Unavailable(ex.Message);
        }
        catch (Exception ex) when (ex is DistributedLockTimeoutException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogSubmitFailed(spec.Name, storage.Description, ex.Message);
            return new SubmitResult.Unavailable($"task storage did not take the runs ({storage.Description}): {ex.Message}; nothing was enqueued");
        }
    }

    /// <summary>
    /// Creates every run and enqueues them all in ONE transaction: nothing is enqueued unless everything is. Where
    /// the storage creates jobs inside transactions (InMemory) that is one round trip for the whole request; else
    /// (PostgreSql) each job row is made first, still invisible to every worker and expiring within the hour, and one
    /// commit enqueues them all. The Enqueued state goes through Hangfire's state machine (its handlers and the
    /// filters that apply states), as a client would; no job needs electing, its queue is the task's.
    /// </summary>
    private List<string> CreateAll(JobStorage jobStorage, IStorageConnection connection, TaskSpec spec, string queue, string? argsJson, IReadOnlyList<string?> runs)
    {
        var createdAt = time.GetUtcNow().UtcDateTime;
        var inTransaction = jobStorage.HasFeature(JobStorageFeatures.Transaction.CreateJob);
        var stateMachine = new StateMachine(JobFilterProviders.Providers);
        var created = new List<string>(runs.Count);
        using var transaction = connection.CreateWriteTransaction();
        foreach (var item in runs)
        {
            var job = Job.FromExpression<TaskRunJob>(j => j.Run(spec.Name, argsJson, item, null, CancellationToken.None));
            var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
            var id = inTransaction
                ? ((JobStorageTransaction)transaction).CreateJob(job, parameters, createdAt, UnenqueuedExpiry)
                : connection.CreateExpiredJob(job, parameters, createdAt, UnenqueuedExpiry);
            var state = new EnqueuedState(queue) { Reason = "Requested through the API" };
            stateMachine.ApplyState(new ApplyStateContext(jobStorage, connection, transaction, new BackgroundJob(id, job, createdAt), state, null));
            created.Add(id);
        }

        transaction.Commit();
        LogSubmitted(spec.Name, created.Count, queue);
        return created;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task}: {Count} run(s) enqueued on queue {Queue}")]
    private partial void LogSubmitted(string task, int count, string queue);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Queue {Queue} at capacity ({Length}/{Capacity}): refused {Requested} run(s) of task {Task}")]
    private partial void LogAtCapacity(string queue, long length, int capacity, string task, int requested);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} holds at most {Capacity} waiting jobs: refused a batch of {Requested} run(s) of task {Task}, which can never fit")]
    private partial void LogTooLarge(string queue, int capacity, string task, int requested);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {Task}: runs not enqueued, storage {Storage} failed: {Reason}")]
    private partial void LogSubmitFailed(string task, string storage, string reason);
}
