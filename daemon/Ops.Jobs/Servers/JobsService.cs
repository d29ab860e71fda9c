using Hangfire;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;

namespace Ops.Jobs.Servers;

/// <summary>
/// Hosts the task side of the daemon: waits for the storage (never blocking supervision), then registers the
/// recurring tasks and starts one Hangfire server per queue, each with its own workers, so no queue can starve
/// another and no queue is picked by name order. Watches the storage and reports it going down and coming back.
/// </summary>
public sealed partial class JobsService(
    TaskCatalog catalog,
    JobStorageHost storage,
    JobsOptions options,
    IServiceProvider services,
    TimeProvider time,
    ILogger<JobsService> logger) : BackgroundService, IHostedLifecycleService
{
    private const string RecurringPrefix = "task:";
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(5);
    private readonly Lock _serversLock = new();
    private readonly List<BackgroundJobServer> _servers = [];

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs begin to stop here, before any hosted service's StopAsync: Kestrel stops first and waits for open
    /// requests, and a slow client must not spend the shutdown budget that the runs' StopSignal, StopTimeout and
    /// SIGKILL need.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        foreach (var server in Servers())
        {
            server.SendStop();
        }

        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await storage.ConnectAsync(stoppingToken);
            var jobStorage = await storage.WhenAvailable.WaitAsync(stoppingToken);
            RegisterRecurring(jobStorage);
            StartServers(jobStorage);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(WatchInterval, time, stoppingToken);
                await storage.PingAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // Again: a server started after StoppingAsync has not been told yet (a second SendStop changes nothing).
        var servers = Servers();
        foreach (var server in servers)
        {
            server.SendStop();
        }

        foreach (var server in servers)
        {
            await server.WaitForShutdownAsync(cancellationToken);
            server.Dispose();
        }
    }

    private List<BackgroundJobServer> Servers()
    {
        lock (_serversLock)
        {
            return [.. _servers];
        }
    }

    private void StartServers(JobStorage jobStorage)
    {
        var activator = new ServiceProviderJobActivator(services);

        // This host's own queue: operator commands for its programs, sent from any host.
        var hostQueue = Hosts.HostQueues.For(options.HostName);
        Add(new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = $"{options.HostName}:{hostQueue}",
                Queues = [hostQueue],
                WorkerCount = 1,
                Activator = activator,
                SchedulePollingInterval = options.SchedulePollingInterval,
            },
            jobStorage));
        // Only queues some task uses get workers: an idle server would still poll the storage.
        var used = catalog.Tasks.Select(t => t.Queue).ToHashSet(StringComparer.Ordinal);
        foreach (var queue in catalog.Queues.Where(q => used.Contains(q.Name)))
        {
            Add(new BackgroundJobServer(
                new BackgroundJobServerOptions
                {
                    ServerName = $"{options.HostName}:{queue.Name}",
                    Queues = [queue.Name],
                    // Workers run at once (RunGateFilter); the Prefetch more only take the next jobs ahead.
                    WorkerCount = queue.Workers + queue.PrefetchCount,
                    Activator = activator,
                    SchedulePollingInterval = options.SchedulePollingInterval,
                    CancellationCheckInterval = options.CancellationCheckInterval,
                    ShutdownTimeout = catalog.LongestStopTimeout + StopMargin,
                    StopTimeout = TimeSpan.Zero,
                },
                jobStorage));
            LogQueueServing(queue.Name, queue.Workers, queue.PrefetchCount, queue.Capacity);
        }
    }

    private void Add(BackgroundJobServer server)
    {
        lock (_serversLock)
        {
            _servers.Add(server);
        }
    }

    private void RegisterRecurring(JobStorage jobStorage)
    {
        var manager = new RecurringJobManager(jobStorage);
        var configured = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in catalog.Tasks.Where(t => t.Cron is not null))
        {
            var id = RecurringPrefix + task.Name;
            configured.Add(id);
            var name = task.Name;
            manager.AddOrUpdate(
                id,
                Job.FromExpression<TaskRunJob>(j => j.Run(name, null, null, null, CancellationToken.None)),
                task.Cron!,
                new RecurringJobOptions { TimeZone = task.TimeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(task.TimeZone) });
            LogRecurring(task.Name, task.Cron!, task.TimeZone ?? "UTC");
        }

        using var connection = jobStorage.GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Select(r => r.Id).Where(id => id.StartsWith(RecurringPrefix, StringComparison.Ordinal) && !configured.Contains(id)))
        {
            manager.RemoveIfExists(stale);
            LogRemovedRecurring(stale);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue}: {Workers} worker(s) on this host, {Prefetch} job(s) taken ahead, capacity {Capacity}")]
    private partial void LogQueueServing(string queue, int workers, int prefetch, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} recurs on '{Cron}' ({TimeZone})")]
    private partial void LogRecurring(string task, string cron, string timeZone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring {RecurringJobId} removed: its task is no longer configured with a Cron")]
    private partial void LogRemovedRecurring(string recurringJobId);
}
