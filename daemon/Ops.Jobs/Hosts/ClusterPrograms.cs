using System.Globalization;
using System.Text.Json;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Servers;
using Ops.Jobs.Storage;
using Ops.Supervision;

namespace Ops.Jobs.Hosts;

/// <summary>An instance as published by any host; State is "Unknown" when its host stopped heart-beating.</summary>
public sealed record PublishedInstance(
    string Host,
    string Program,
    int Instance,
    string State,
    int? Pid,
    DateTimeOffset Since,
    int Restarts,
    int? LastExitCode,
    int? LastSignal,
    string? Reason,
    bool? Healthy,
    DateTimeOffset? LastHeartbeat);

/// <summary>
/// Publishes this host's program state into the shared storage every few seconds, so that every host's API and
/// console show every host; reads the others back. A host whose heartbeat is older than StorageSpec.HostTimeout
/// shows its programs as Unknown with its last heartbeat. Commands for another host's programs go to its host
/// queue.
/// </summary>
public sealed partial class ClusterPrograms(ISupervisor supervisor, JobStorageHost storage, JobsOptions options, TimeProvider time, ILogger<ClusterPrograms> logger) : BackgroundService
{
    public static readonly TimeSpan PublishInterval = TimeSpan.FromSeconds(2);
    private const string HostsKey = "ops:hosts";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string LocalHost => options.HostName;

    /// <summary>Instances of the other hosts known to the storage (none when it is down or InMemory has no others).</summary>
    public IReadOnlyList<PublishedInstance> Remote()
    {
        if (!storage.IsUp)
        {
            return [];
        }

        try
        {
            using var connection = storage.Require().GetConnection();
            var hosts = connection.GetAllEntriesFromHash(HostsKey) ?? new Dictionary<string, string>();
            var now = time.GetUtcNow();
            var result = new List<PublishedInstance>();
            foreach (var (host, heartbeatText) in hosts.Where(h => h.Key != options.HostName).OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                var heartbeat = DateTimeOffset.Parse(heartbeatText, CultureInfo.InvariantCulture);
                var stale = now - heartbeat > options.Storage.HostTimeout;
                foreach (var (_, json) in connection.GetAllEntriesFromHash(ProgramsKey(host)) ?? new Dictionary<string, string>())
                {
                    var instance = JsonSerializer.Deserialize<PublishedInstance>(json, Json)!;
                    result.Add(stale ? instance with { State = "Unknown", Pid = null, Since = heartbeat, LastHeartbeat = heartbeat } : instance with { LastHeartbeat = heartbeat });
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is StorageUnavailableException or InvalidOperationException or System.Data.Common.DbException or JsonException or FormatException)
        {
            LogReadFailed(ex.Message);
            return [];
        }
    }

    /// <summary>Sends a command to another host through its host queue; false when that host is unknown.</summary>
    public string? SendToHost(string host, CommandKind kind, string target)
    {
        using var connection = storage.Require().GetConnection();
        if (connection.GetAllEntriesFromHash(HostsKey)?.ContainsKey(host) != true)
        {
            return null;
        }

        var client = new BackgroundJobClient(storage.Require());
        return client.Create<HostCommandJob>(j => j.RunAsync(kind.ToString(), target), new EnqueuedState(HostQueues.For(host)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await storage.WhenAvailable.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                Publish();
                await Task.Delay(PublishInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Publish()
    {
        if (!storage.IsUp)
        {
            return;
        }

        try
        {
            var instances = supervisor.Snapshot().Select(i => new PublishedInstance(
                options.HostName, i.Program, i.Index, i.State.ToString(), i.Pid, i.Since, i.Restarts, i.LastExitCode, i.LastSignal, i.Reason, i.Healthy, null));
            using var connection = storage.Require().GetConnection();
            using var transaction = connection.CreateWriteTransaction();
            transaction.RemoveHash(ProgramsKey(options.HostName));
            transaction.SetRangeInHash(ProgramsKey(options.HostName), instances.Select(i => new KeyValuePair<string, string>(new InstanceId(i.Program, i.Instance).ToString(), JsonSerializer.Serialize(i, Json))));
            transaction.SetRangeInHash(HostsKey, [new KeyValuePair<string, string>(options.HostName, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))]);
            transaction.Commit();
        }
        catch (Exception ex) when (ex is StorageUnavailableException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogPublishFailed(ex.Message);
        }
    }

    private static string ProgramsKey(string host) => $"ops:programs:{host}";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Publishing program state failed: {Reason}")]
    private partial void LogPublishFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading other hosts' program state failed: {Reason}")]
    private partial void LogReadFailed(string reason);
}
