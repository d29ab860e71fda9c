using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ops.Jobs.Specs;

namespace Ops.Jobs.Storage;

/// <summary>
/// Owns the Hangfire storage. InMemory is there at once. PostgreSql is connected in the background and retried
/// with a capped backoff, so a database that is down never stops supervision: until it answers, task requests
/// get <see cref="StorageUnavailableException"/> (HTTP 503) and /readyz fails.
/// </summary>
public sealed partial class JobStorageHost : IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReminderEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PingCacheFor = TimeSpan.FromSeconds(1);

    private readonly StorageSpec _spec;
    private readonly ILogger<JobStorageHost> _logger;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<JobStorage> _available = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobStorage? _storage;
    private volatile bool _up;
    private long _lastPing;

    public JobStorageHost(StorageSpec spec, ILogger<JobStorageHost> logger, TimeProvider time)
    {
        _spec = spec;
        _logger = logger;
        _time = time;
        if (spec.Provider == StorageProvider.InMemory)
        {
            Publish(new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long }));
        }
    }

    /// <summary>What the storage is, safe to show.</summary>
    public string Description => _spec.Describe();

    /// <summary>Completes once the storage has answered for the first time.</summary>
    public Task<JobStorage> WhenAvailable => _available.Task;

    /// <summary>True while the last check found the storage answering.</summary>
    public bool IsUp => _up;

    /// <summary>The storage, or <see cref="StorageUnavailableException"/> naming it.</summary>
    public JobStorage Require() =>
        _up && _storage is { } storage ? storage : throw new StorageUnavailableException($"task storage is unavailable: {Description}");

    /// <summary>Connects (PostgreSql), installing the schema, retrying until it works or <paramref name="cancellationToken"/> fires.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_spec.Provider == StorageProvider.InMemory)
        {
            return;
        }

        var delay = FirstRetry;
        var firstFailure = (long?)null;
        var lastReminder = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using (var connection = await OpenAsync(cancellationToken))
                {
                    PostgreSqlObjectsInstaller.Install(connection, _spec.Schema);
                }

                var options = new PostgreSqlStorageOptions
                {
                    SchemaName = _spec.Schema,
                    PrepareSchemaIfNecessary = false,
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = _spec.InvisibilityTimeout,
                    QueuePollInterval = _spec.PollInterval,

                    // No LISTEN/NOTIFY: Hangfire.PostgreSql 1.21 opens a listening connection for every fetch and, once
                    // it has fetched a job, waits for that listener to end; now and then it never does, and the worker
                    // hangs there holding the job, which nobody runs until the invisibility timeout (seen in the
                    // 200-item fan-out test: one job left Enqueued, its queue row fetched, the worker blocked in
                    // Dequeue's Task.Wait). Workers look for jobs every PollInterval instead.
                    EnableLongPolling = false,
                };
                Publish(new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(_spec.ConnectionString!, options), options));
                if (firstFailure is not null)
                {
                    LogStorageUp(Description, _time.GetElapsedTime(firstFailure.Value));
                }
                else
                {
                    LogConnected(Description);
                }

                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                if (firstFailure is null)
                {
                    firstFailure = _time.GetTimestamp();
                    lastReminder = firstFailure.Value;
                    LogStorageDown(Description, ex.Message);
                }
                else if (_time.GetElapsedTime(lastReminder) >= ReminderEvery)
                {
                    lastReminder = _time.GetTimestamp();
                    LogStillDown(Description, _time.GetElapsedTime(firstFailure.Value), ex.Message);
                }
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, delay.Ticks * 2));
        }
    }

    /// <summary>Asks the storage now (cached for a second): true when it answers. Logs down/up transitions once.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        if (_storage is null)
        {
            return false;
        }

        if (_spec.Provider == StorageProvider.InMemory || _time.GetElapsedTime(Interlocked.Read(ref _lastPing)) < PingCacheFor)
        {
            return _up;
        }

        Interlocked.Exchange(ref _lastPing, _time.GetTimestamp());
        bool answered;
        string? error = null;
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            answered = true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            answered = false;
            error = ex.Message;
        }

        if (answered != _up)
        {
            if (answered)
            {
                LogStorageUp(Description, TimeSpan.Zero);
            }
            else
            {
                LogStorageDown(Description, error ?? "no answer");
            }

            _up = answered;
        }

        return answered;
    }

    public void Dispose()
    {
        if (_storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(_spec.ConnectionString) { Timeout = (int)ConnectTimeout.TotalSeconds };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private void Publish(JobStorage storage)
    {
        _storage = storage;
        _up = true;
        _available.TrySetResult(storage);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task storage connected: {Storage}")]
    private partial void LogConnected(string storage);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Task storage down: {Storage} does not answer ({Reason}); programs keep running, task requests get 503 until it is back")]
    private partial void LogStorageDown(string storage, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task storage still down after {Downtime}: {Storage} ({Reason})")]
    private partial void LogStillDown(string storage, TimeSpan downtime, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Task storage up: {Storage} answers again (down for {Downtime})")]
    private partial void LogStorageUp(string storage, TimeSpan downtime);
}
